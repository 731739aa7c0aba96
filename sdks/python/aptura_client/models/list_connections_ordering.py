from enum import StrEnum

class ListConnectionsOrdering(StrEnum):
    CREATED_AT = "created_at"
    PROVIDER = "provider"
    VALUE_1 = "-created_at"
    VALUE_3 = "-provider"

    def __str__(self) -> str:
        return str(self.value)
