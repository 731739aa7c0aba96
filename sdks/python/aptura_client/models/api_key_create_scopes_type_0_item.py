from enum import StrEnum

class ApiKeyCreateScopesType0Item(StrEnum):
    AVAILABILITYREAD = "availability:read"
    BOOKINGSREAD = "bookings:read"
    BOOKINGSWRITE = "bookings:write"
    CATALOGREAD = "catalog:read"
    CLIENTSREAD = "clients:read"
    CLIENTSWRITE = "clients:write"
    CONNECTIONSMANAGE = "connections:manage"
    KEYSMANAGE = "keys:manage"
    WEBHOOKSMANAGE = "webhooks:manage"

    def __str__(self) -> str:
        return str(self.value)
