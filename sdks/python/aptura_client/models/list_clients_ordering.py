from enum import StrEnum

class ListClientsOrdering(StrEnum):
    EMAIL = "email"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    VALUE_1 = "-last_name"
    VALUE_3 = "-first_name"
    VALUE_5 = "-email"

    def __str__(self) -> str:
        return str(self.value)
