from enum import StrEnum

class ListEventsTypeType0(StrEnum):
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    APPOINTMENT_CREATED = "appointment.created"
    APPOINTMENT_RESCHEDULED = "appointment.rescheduled"
    APPOINTMENT_UPDATED = "appointment.updated"
    CONNECTION_CREATED = "connection.created"
    CONNECTION_DELETED = "connection.deleted"
    CONNECTION_ERROR = "connection.error"
    VALUE_0 = "*"

    def __str__(self) -> str:
        return str(self.value)
