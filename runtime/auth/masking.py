"""Masking of sensitive values: what a reader without `read_sensitive` sees instead.

Text keeps its first and last four characters with the middle as groups of four asterisks,
so an IBAN `AT611904300234573201` reads `AT61 **** **** **** 3201` (enough to tell two accounts
apart, not enough to use one); text shorter than 12 characters becomes `****`. Values that a
mask cannot keep meaningful (dates, numbers, booleans) become None. Records and lists of
records are masked part by part, so an address next to an IBAN stays readable.
"""

from __future__ import annotations

from typing import Any

from meshkit.ck.model import TEXT_KINDS, CompiledModel, TypeKind, TypeRef

MASK = "****"
_KEEP = 4


def mask_text(value: Any) -> str:
    text = "".join(str(value).split())
    if len(text) < 3 * _KEEP:
        return MASK
    groups = -(-(len(text) - 2 * _KEEP) // _KEEP)
    return " ".join([text[:_KEEP], *([MASK] * groups), text[-_KEEP:]])


def mask_sensitive(value: Any) -> Any:
    """A sensitive value as shown to a reader without `read_sensitive`."""
    if value is None:
        return None
    return mask_text(value) if isinstance(value, str) else None


def has_sensitive_parts(
    model: CompiledModel, type_: TypeRef, seen: frozenset[str] = frozenset()
) -> bool:
    """Whether a record (or a list of records) holds a sensitive attribute at any depth."""
    if type_.kind is TypeKind.LIST and type_.items is not None:
        return has_sensitive_parts(model, type_.items, seen)
    if type_.kind is not TypeKind.RECORD or type_.record is None or type_.record in seen:
        return False
    record = model.records[type_.record]
    inner = seen | {record.qid}
    return any(
        a.sensitive or has_sensitive_parts(model, a.type, inner) for a in record.attributes.values()
    )


def mask_parts(model: CompiledModel, type_: TypeRef, value: Any) -> Any:
    """A record or list value with its sensitive parts masked (other parts unchanged)."""
    if value is None:
        return None
    if type_.kind is TypeKind.LIST and type_.items is not None and isinstance(value, list | tuple):
        return [mask_parts(model, type_.items, v) for v in value]
    if type_.kind is TypeKind.RECORD and type_.record is not None and isinstance(value, dict):
        record = model.records[type_.record]
        out: dict[str, Any] = {}
        for key, item in value.items():
            attr = record.attributes.get(key)
            if attr is None:
                out[key] = item
            elif attr.sensitive:
                out[key] = mask_sensitive(item)
            else:
                out[key] = mask_parts(model, attr.type, item)
        return out
    return value


def maskable(type_: TypeRef) -> bool:
    """Whether a sensitive attribute of this type is shown masked (text) rather than left out."""
    return type_.kind in TEXT_KINDS
