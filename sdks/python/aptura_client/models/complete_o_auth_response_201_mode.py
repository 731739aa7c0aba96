from enum import StrEnum

class CompleteOAuthResponse201Mode(StrEnum):
    LIVE = "live"
    TEST = "test"

    def __str__(self) -> str:
        return str(self.value)
