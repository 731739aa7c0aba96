from enum import StrEnum

class ConnectSessionInfoStatus(StrEnum):
    COMPLETED = "completed"
    EXPIRED = "expired"
    OPEN = "open"

    def __str__(self) -> str:
        return str(self.value)
