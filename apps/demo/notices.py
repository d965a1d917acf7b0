"""The demo's last steps: a member asks for a change, and everyone is told what happened.

Maria (0003) files a change request for a new bank account as she would in the portal, so the
operator finds one pending request on the dashboard. Then the notifier turns the month's events
(onboarding, findings, the issued documents, the request) into notifications for the demo
sign-ins; without `MESHKIT_SMTP_URL` they are shown in the apps only (docs/apps.md,
"Notifications").
"""

from __future__ import annotations

from dataclasses import dataclass

from meshkit.models.energy_community.behaviours.notifications import Notifier, NotifyReport
from meshkit.runtime import Repository
from meshkit.runtime.auth.accounts import LocalAccounts

#: Maria's new account (a valid Austrian IBAN; the demo's own invented bank).
NEW_ACCOUNT = {
    "iban": "AT483200000012345864",
    "holder": "Maria Gruber",
    "bank_name": "Raiffeisenbank Weinviertel",
}
MEMBER = "maria"


@dataclass(frozen=True)
class ChangeRequestFiled:
    request: str  # the ChangeRequest's id
    member: str  # the member number


def file_change_request(repository: Repository, tenant: str) -> ChangeRequestFiled:
    """Maria asks for her new bank account to be used, as the portal would file it."""
    account = LocalAccounts(repository.engine).find(tenant, MEMBER)
    if account is None or account.participant_id is None:
        raise LookupError(f"the demo sign-in '{MEMBER}' is missing or not linked to a member")
    principal = account.principal()
    with repository.unit_of_work(tenant=tenant, actor=principal.actor) as uow:
        member = uow.get("Participant", account.participant_id)
        request = uow.create(
            "ChangeRequest",
            {
                "participant": account.participant_id,
                "bank_account": NEW_ACCOUNT,
                "message": "Ab April bitte vom neuen Konto abbuchen.",
            },
        )
    return ChangeRequestFiled(str(request["id"]), str(member["member_number"]))


def notify(repository: Repository) -> NotifyReport:
    """Everything that happened so far, as notifications for the demo's sign-ins (in German)."""
    notifier = Notifier(repository, accounts=LocalAccounts(repository.engine).accounts)
    return notifier.run_once()
