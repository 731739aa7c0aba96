from enum import StrEnum

class ListAppointmentsOrdering(StrEnum):
    END_TIME = "end_time"
    START_TIME = "start_time"
    VALUE_1 = "-start_time"
    VALUE_3 = "-end_time"

    def __str__(self) -> str:
        return str(self.value)
