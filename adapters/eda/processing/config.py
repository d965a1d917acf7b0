"""How the EDA processing is configured: XSDs, deadlines, retries, the rejection code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

#: Days until the grid operator's next answer is due, per process (EDA process code).
DEFAULT_DEADLINES: dict[str, timedelta] = {
    "EC_REQ_ONL": timedelta(days=14),  # the customer's consent can take a while
    "EC_REQ_OFF": timedelta(days=14),
    "EC_PRTFACT_CHANGE": timedelta(days=3),
    "EC_PRT_CHANGE": timedelta(days=3),
    "EC_PODLIST": timedelta(days=2),
    "CR_REQ_PT": timedelta(days=3),
}


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for outbound sends: first retry after `initial`, doubling (factor)
    up to `maximum`; after `max_attempts` failed sends the message is `failed`."""

    initial: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    maximum: timedelta = timedelta(hours=1)
    max_attempts: int = 10

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed send (1-based)."""
        seconds = self.initial.total_seconds() * self.factor ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self.maximum.total_seconds()))


@dataclass(frozen=True)
class ProcessingConfig:
    """`xsd_dir` None with `validate` True falls back to $MESHKIT_EDA_XSD_DIR (the codecs' rule).

    `rejection_code` is the response code of the negative answer to a document meshkit cannot
    process (ABLEHNUNG_CRMSG); 76 is meshkit's choice ("invalid data"): check it against the
    current ebUtilities code list, as with the simulator's 56.
    """

    xsd_dir: Path | None = None
    validate: bool = True
    transport_name: str = "unknown"
    deadlines: dict[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rejection_code: int = 76
    rejection_version: str = "01p13"  # CPNotification version of ABLEHNUNG_CRMSG
    # Processes that parse inbound payloads beside the loading one (parsing.py); None: one
    # per CPU beyond two (none on a 2-CPU machine, where a worker only competes), 0: inline.
    parse_workers: int | None = None

    def deadline(self, process: str) -> timedelta | None:
        return self.deadlines.get(process)
