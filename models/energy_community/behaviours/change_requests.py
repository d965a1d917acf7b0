"""Rules of a member's change request (ChangeRequest, change_requests.yaml).

A request is created pending and proposes at least one new value; what happens to it after that
(approve, reject, withdraw) is decided by its commands.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshkit.runtime.behaviours import Behaviour, Change
from meshkit.runtime.errors import FieldError

#: The values a member may propose; approving copies the ones that are set onto the member.
PROPOSED = ("email", "phone", "address", "bank_account")


class ChangeRequestRules(Behaviour):
    """A new request is pending and proposes something."""

    def validate(self, change: Change) -> Iterable[FieldError]:
        if change.before is not None:
            return
        after = change.after or {}
        if after.get("request_state", "pending") != "pending":
            yield FieldError(
                "request-state",
                ("request_state",),
                "a change request is created pending; approve, reject or withdraw decide it",
            )
        if all(after.get(name) in (None, "") for name in PROPOSED):
            yield FieldError(
                "nothing-proposed",
                (),
                "a change request proposes at least one of: " + ", ".join(PROPOSED),
            )
