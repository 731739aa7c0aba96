from enum import StrEnum

class ListLocationsOrdering(StrEnum):
    NAME = "name"
    VALUE_1 = "-name"

    def __str__(self) -> str:
        return str(self.value)
