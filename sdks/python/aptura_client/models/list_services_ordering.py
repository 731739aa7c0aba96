from enum import StrEnum

class ListServicesOrdering(StrEnum):
    DURATION = "duration"
    NAME = "name"
    PRICE = "price"
    VALUE_1 = "-name"
    VALUE_3 = "-price"
    VALUE_5 = "-duration"

    def __str__(self) -> str:
        return str(self.value)
