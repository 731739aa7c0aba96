from enum import StrEnum

class ListAppointmentsStatusType0(StrEnum):
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    NO_SHOW = "no_show"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
