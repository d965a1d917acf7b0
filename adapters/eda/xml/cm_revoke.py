"""CMRevoke: a consent was revoked (AUFHEBUNG_CCMS / _CCMC / _CCMI), version 01.10."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.header import MessageHeader, add_process_ids, new_root, read_header
from meshkit.adapters.eda.xml.namespaces import CM_REVOKE, COMMON_TYPES_NS

CT = COMMON_TYPES_NS


@dataclass(frozen=True, slots=True)
class CMRevoke:
    header: MessageHeader
    consent_id: str
    metering_point: str
    consent_end: date
    reason_key: int | None = None  # 0..9
    reason: str | None = None


def read_cm_revoke(root: t.Element, version: str) -> CMRevoke:
    ns = CM_REVOKE.namespace(version)
    pd = t.need(root, ns, "ProcessDirectory")
    return CMRevoke(
        header=read_header(root, CM_REVOKE, ns, CT),
        consent_id=t.need_text(pd, ns, "ConsentId"),
        metering_point=t.need_text(pd, ns, "MeteringPoint"),
        consent_end=t.read_date(pd, ns, "ConsentEnd"),
        reason_key=t.read_opt_whole(pd, ns, "ReasonKey"),
        reason=t.opt_str(pd, ns, "Reason"),
    )


def build_cm_revoke(message: CMRevoke, version: str) -> t.Element:
    ns = CM_REVOKE.namespace(version)
    root = new_root(CM_REVOKE, version, message.header)
    pd = t.add(root, ns, "ProcessDirectory")
    add_process_ids(pd, message.header, CT)
    t.add(pd, ns, "ConsentId", message.consent_id)
    t.add(pd, ns, "MeteringPoint", message.metering_point)
    t.add(pd, ns, "ConsentEnd", message.consent_end.isoformat())
    t.add_opt(pd, ns, "ReasonKey", None if message.reason_key is None else str(message.reason_key))
    t.add_opt(pd, ns, "Reason", message.reason)
    return root
