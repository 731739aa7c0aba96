"""SuperSaaS webhooks (REST hooks, ../shared/reference/providers/supersaas.md section 7).

- ``POST /api/hooks`` (``event``: a trigger code, ``parent_id``: the schedule, ``target_url``) → ``{"id"}``;
  ``GET /api/hooks`` → ``[{id, url, trigger, parent_id}]``; ``DELETE /api/hooks`` (``id``, ``parent_id``).
  Schedule triggers kept here: ``N`` new appointment, ``C`` changed appointment (which fires on new and
  deleted ones too).
- A booking written through the API with ``webhook=true`` (as SuperSaaS documents; the front desk's own
  screens always notify) is POSTed as JSON to each hook of its schedule: the booking object plus ``event``
  (``create``, ``edit`` or ``destroy``; a destroyed booking has ``deleted: true``). SuperSaaS signs nothing:
  the receiver's URL is the secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sandboxes.core.outbound import Outbox, acceptable_url

TRIGGERS = {"N": ("create",), "C": ("create", "edit", "destroy")}


@dataclass
class Hook:
    id: int
    trigger: str
    parent_id: int
    url: str


@dataclass
class Hooks:
    """The account's hooks and the notifications sent (guarded by the sandbox's lock)."""

    hooks: dict[int, Hook] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)
    next_id: int = 1

    def create(self, trigger: str | None, parent_id: str | None, url: str | None,
               schedules: set[int]) -> tuple[int, Any]:
        """(status, answer) of ``POST /api/hooks``."""
        if trigger not in TRIGGERS:
            return 422, {"errors": [{"status": "422", "code": "invalid_event",
                                     "title": f"event must be one of {', '.join(TRIGGERS)}"}]}
        if not parent_id or not parent_id.isdigit() or int(parent_id) not in schedules:
            return 422, {"errors": [{"status": "422", "code": "invalid_parent", "title": "Schedule not found"}]}
        if not url or not acceptable_url(url):
            return 422, {"errors": [{"status": "422", "code": "invalid_url", "title": "target_url is not valid"}]}
        hook = Hook(self.next_id, trigger, int(parent_id), url)
        self.hooks[hook.id] = hook
        self.next_id += 1
        return 201, {"id": hook.id}

    def listed(self) -> list[dict[str, Any]]:
        return [{"id": h.id, "url": h.url, "trigger": h.trigger, "parent_id": h.parent_id}
                for h in self.hooks.values()]

    def delete(self, hook_id: str | None) -> int:
        """The status of ``DELETE /api/hooks``."""
        if not hook_id or not hook_id.isdigit() or self.hooks.pop(int(hook_id), None) is None:
            return 404
        return 200

    def notify(self, schedule_id: int, action: str, booking: dict[str, Any]) -> int:
        """POST ``booking`` with ``event: action`` to every hook of the schedule whose trigger fires."""
        sent = 0
        for hook in self.hooks.values():
            if hook.parent_id != schedule_id or action not in TRIGGERS[hook.trigger]:
                continue
            body = json.dumps({**booking, "event": action}).encode()
            self.outbox.post(hook.url, body, {}, action)
            sent += 1
        return sent
