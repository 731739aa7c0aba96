""" Contains all the data models used in inputs/outputs """

from .address import Address
from .api_key_create import ApiKeyCreate
from .api_key_create_kind import ApiKeyCreateKind
from .api_key_create_scopes_type_0_item import ApiKeyCreateScopesType0Item
from .api_key_created import ApiKeyCreated
from .api_key_created_kind import ApiKeyCreatedKind
from .api_key_created_mode import ApiKeyCreatedMode
from .api_key_info import ApiKeyInfo
from .api_key_info_kind import ApiKeyInfoKind
from .api_key_info_mode import ApiKeyInfoMode
from .api_key_list import ApiKeyList
from .appointment import Appointment
from .appointment_create import AppointmentCreate
from .appointment_list import AppointmentList
from .appointment_raw_type_0 import AppointmentRawType0
from .appointment_status import AppointmentStatus
from .appointment_update import AppointmentUpdate
from .availability_response import AvailabilityResponse
from .capability import Capability
from .client import Client
from .client_in import ClientIn
from .client_list import ClientList
from .client_raw_type_0 import ClientRawType0
from .client_ref import ClientRef
from .complete_o_auth_response_201 import CompleteOAuthResponse201
from .complete_o_auth_response_201_config import CompleteOAuthResponse201Config
from .complete_o_auth_response_201_mode import CompleteOAuthResponse201Mode
from .connect_session_create import ConnectSessionCreate
from .connect_session_created import ConnectSessionCreated
from .connect_session_info import ConnectSessionInfo
from .connect_session_info_mode import ConnectSessionInfoMode
from .connect_session_info_status import ConnectSessionInfoStatus
from .connection import Connection
from .connection_config import ConnectionConfig
from .connection_create import ConnectionCreate
from .connection_create_config import ConnectionCreateConfig
from .connection_create_credentials import ConnectionCreateCredentials
from .connection_fields_info import ConnectionFieldsInfo
from .connection_fields_info_config import ConnectionFieldsInfoConfig
from .connection_fields_info_secrets import ConnectionFieldsInfoSecrets
from .connection_last_error import ConnectionLastError
from .connection_list import ConnectionList
from .connection_mode import ConnectionMode
from .connection_status import ConnectionStatus
from .connection_update import ConnectionUpdate
from .connection_update_config_type_0 import ConnectionUpdateConfigType0
from .connection_update_credentials_type_0 import ConnectionUpdateCredentialsType0
from .end_user_in import EndUserIn
from .end_user_out import EndUserOut
from .error_body import ErrorBody
from .error_body_details_type_0 import ErrorBodyDetailsType0
from .event import Event
from .event_data import EventData
from .event_data_object import EventDataObject
from .event_data_previous import EventDataPrevious
from .event_end_user_type_0 import EventEndUserType0
from .event_list import EventList
from .event_mode import EventMode
from .event_redeliver import EventRedeliver
from .event_redelivered import EventRedelivered
from .field_info import FieldInfo
from .get_open_api_document_response_200 import GetOpenApiDocumentResponse200
from .health import Health
from .http_validation_error import HTTPValidationError
from .inbound_address import InboundAddress
from .list_appointments_ordering import ListAppointmentsOrdering
from .list_appointments_status_type_0 import ListAppointmentsStatusType0
from .list_clients_ordering import ListClientsOrdering
from .list_connections_ordering import ListConnectionsOrdering
from .list_connections_status_type_0 import ListConnectionsStatusType0
from .list_events_type_type_0 import ListEventsTypeType0
from .list_locations_ordering import ListLocationsOrdering
from .list_services_ordering import ListServicesOrdering
from .list_staff_ordering import ListStaffOrdering
from .list_webhook_deliveries_outcome_type_0 import ListWebhookDeliveriesOutcomeType0
from .list_webhook_endpoints_ordering import ListWebhookEndpointsOrdering
from .list_webhook_endpoints_status_type_0 import ListWebhookEndpointsStatusType0
from .location import Location
from .location_list import LocationList
from .location_raw_type_0 import LocationRawType0
from .money import Money
from .provider_info import ProviderInfo
from .provider_list import ProviderList
from .response_validation_error import ResponseValidationError
from .service import Service
from .service_list import ServiceList
from .service_raw_type_0 import ServiceRawType0
from .service_ref import ServiceRef
from .slot import Slot
from .staff import Staff
from .staff_list import StaffList
from .staff_raw_type_0 import StaffRawType0
from .staff_ref import StaffRef
from .validation_error import ValidationError
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_list import WebhookDeliveryList
from .webhook_delivery_outcome import WebhookDeliveryOutcome
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_create import WebhookEndpointCreate
from .webhook_endpoint_create_event_types_item import WebhookEndpointCreateEventTypesItem
from .webhook_endpoint_created import WebhookEndpointCreated
from .webhook_endpoint_created_mode import WebhookEndpointCreatedMode
from .webhook_endpoint_created_status import WebhookEndpointCreatedStatus
from .webhook_endpoint_list import WebhookEndpointList
from .webhook_endpoint_mode import WebhookEndpointMode
from .webhook_endpoint_status import WebhookEndpointStatus
from .webhook_endpoint_update import WebhookEndpointUpdate
from .webhook_endpoint_update_event_types_type_0_item import WebhookEndpointUpdateEventTypesType0Item
from .webhook_endpoint_update_status_type_0 import WebhookEndpointUpdateStatusType0
from .webhook_secret import WebhookSecret

__all__ = (
    "Address",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyCreatedKind",
    "ApiKeyCreatedMode",
    "ApiKeyCreateKind",
    "ApiKeyCreateScopesType0Item",
    "ApiKeyInfo",
    "ApiKeyInfoKind",
    "ApiKeyInfoMode",
    "ApiKeyList",
    "Appointment",
    "AppointmentCreate",
    "AppointmentList",
    "AppointmentRawType0",
    "AppointmentStatus",
    "AppointmentUpdate",
    "AvailabilityResponse",
    "Capability",
    "Client",
    "ClientIn",
    "ClientList",
    "ClientRawType0",
    "ClientRef",
    "CompleteOAuthResponse201",
    "CompleteOAuthResponse201Config",
    "CompleteOAuthResponse201Mode",
    "Connection",
    "ConnectionConfig",
    "ConnectionCreate",
    "ConnectionCreateConfig",
    "ConnectionCreateCredentials",
    "ConnectionFieldsInfo",
    "ConnectionFieldsInfoConfig",
    "ConnectionFieldsInfoSecrets",
    "ConnectionLastError",
    "ConnectionList",
    "ConnectionMode",
    "ConnectionStatus",
    "ConnectionUpdate",
    "ConnectionUpdateConfigType0",
    "ConnectionUpdateCredentialsType0",
    "ConnectSessionCreate",
    "ConnectSessionCreated",
    "ConnectSessionInfo",
    "ConnectSessionInfoMode",
    "ConnectSessionInfoStatus",
    "EndUserIn",
    "EndUserOut",
    "ErrorBody",
    "ErrorBodyDetailsType0",
    "Event",
    "EventData",
    "EventDataObject",
    "EventDataPrevious",
    "EventEndUserType0",
    "EventList",
    "EventMode",
    "EventRedeliver",
    "EventRedelivered",
    "FieldInfo",
    "GetOpenApiDocumentResponse200",
    "Health",
    "HTTPValidationError",
    "InboundAddress",
    "ListAppointmentsOrdering",
    "ListAppointmentsStatusType0",
    "ListClientsOrdering",
    "ListConnectionsOrdering",
    "ListConnectionsStatusType0",
    "ListEventsTypeType0",
    "ListLocationsOrdering",
    "ListServicesOrdering",
    "ListStaffOrdering",
    "ListWebhookDeliveriesOutcomeType0",
    "ListWebhookEndpointsOrdering",
    "ListWebhookEndpointsStatusType0",
    "Location",
    "LocationList",
    "LocationRawType0",
    "Money",
    "ProviderInfo",
    "ProviderList",
    "ResponseValidationError",
    "Service",
    "ServiceList",
    "ServiceRawType0",
    "ServiceRef",
    "Slot",
    "Staff",
    "StaffList",
    "StaffRawType0",
    "StaffRef",
    "ValidationError",
    "WebhookDelivery",
    "WebhookDeliveryList",
    "WebhookDeliveryOutcome",
    "WebhookEndpoint",
    "WebhookEndpointCreate",
    "WebhookEndpointCreated",
    "WebhookEndpointCreatedMode",
    "WebhookEndpointCreatedStatus",
    "WebhookEndpointCreateEventTypesItem",
    "WebhookEndpointList",
    "WebhookEndpointMode",
    "WebhookEndpointStatus",
    "WebhookEndpointUpdate",
    "WebhookEndpointUpdateEventTypesType0Item",
    "WebhookEndpointUpdateStatusType0",
    "WebhookSecret",
)
