"""Deterministic SQL names derived from qualified ids, kept under PostgreSQL's 63-byte limit."""

from __future__ import annotations

import hashlib
import re

#: PostgreSQL truncates identifiers longer than this silently; we shorten them ourselves.
MAX_IDENTIFIER = 63
_HASH_LENGTH = 8
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """`MeteringPoint` -> `metering_point`."""
    return _CAMEL.sub("_", name).lower()


def shorten(name: str, limit: int = MAX_IDENTIFIER) -> str:
    """`name` if it fits; otherwise a prefix and a hash of the whole name, so two long names that
    share a prefix still differ, and the same name always shortens the same way."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_LENGTH]
    return f"{name[: limit - _HASH_LENGTH - 1]}_{digest}"


def table_name(class_qid: str) -> str:
    """`energy_community/MeteringPoint` -> `energy_community__metering_point`."""
    model, name = class_qid.split("/", 1)
    return shorten(f"{model}__{snake(name)}")


def link_table_name(association_qid: str) -> str:
    """`energy_community/Community.members` -> `energy_community__community__members`."""
    model, rest = association_qid.split("/", 1)
    cls, role = rest.split(".", 1)
    return shorten(f"{model}__{snake(cls)}__{role}")


def constraint_name(prefix: str, table: str, *parts: str) -> str:
    return shorten("__".join((f"{prefix}_{table}", *parts)))
