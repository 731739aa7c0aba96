from enum import StrEnum

class ListWebhookDeliveriesOutcomeType0(StrEnum):
    FAILED = "failed"
    SKIPPED = "skipped"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
