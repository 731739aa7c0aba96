from enum import StrEnum

class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    ERROR = "error"
    UNVERIFIED = "unverified"

    def __str__(self) -> str:
        return str(self.value)
