"""Message code -> EDA process, for the community processes meshkit speaks (DOMAIN.md)."""

from __future__ import annotations

_SUFFIX_PROCESS = {
    "ECON": "EC_REQ_ONL",
    "ECOF": "EC_REQ_OFF",
    "CPF": "EC_PRTFACT_CHANGE",
    "ECC": "EC_PRT_CHANGE",
    "ECP": "EC_PODLIST",
    "CRMSG": "CR_MSG",
    "PT": "CR_REQ_PT",
    "CCMS": "CM_REV_SP",
    "CCMC": "CM_REV_CUS",
    "CCMI": "CM_REV_IMP",
    "CCMO": "CM_REQ_ONL",
}


def process_of(message_code: str) -> str | None:
    """`ANFORDERUNG_ECON` -> `EC_REQ_ONL`; None for codes outside the table."""
    _, _, suffix = message_code.rpartition("_")
    return _SUFFIX_PROCESS.get(suffix)
