"""The runtime: storage, repository, validation and queries derived from a compiled model.

from meshkit.runtime import Repository, create_engine

repo = Repository(create_engine("postgresql://user@host/db"), model)
repo.create_tables()
with repo.unit_of_work(tenant="t1", actor="alice") as uow:
    uow.create("Tariff", {"name": "Basic", "price": "0.1234"})
"""

from meshkit.runtime.audit import AuditEntry, Operation
from meshkit.runtime.behaviours import (
    Behaviour,
    BehaviourError,
    BehaviourFailedError,
    BehaviourRegistry,
    BehaviourResolutionError,
    Change,
    CommandContext,
    CommandSpec,
    Transition,
    command,
)
from meshkit.runtime.database import create_engine, default_sqlite_url, normalise_url
from meshkit.runtime.errors import (
    ConflictError,
    EraseRefusedError,
    FieldError,
    NotFoundError,
    Reference,
    RepositoryError,
    UnknownElementError,
    ValidationError,
)
from meshkit.runtime.events import Consumer, Event, EventFilter, EventKind, EventLog
from meshkit.runtime.jsonschema import record_schema
from meshkit.runtime.query import Filter, OrderBy, Page
from meshkit.runtime.repository import Entity, Repository, UnitOfWork
from meshkit.runtime.storage import ClassStorage, Storage, StorageMappingError

__all__ = [
    "AuditEntry",
    "Behaviour",
    "BehaviourError",
    "BehaviourFailedError",
    "BehaviourRegistry",
    "BehaviourResolutionError",
    "Change",
    "ClassStorage",
    "CommandContext",
    "CommandSpec",
    "ConflictError",
    "Consumer",
    "Entity",
    "EraseRefusedError",
    "Event",
    "EventFilter",
    "EventKind",
    "EventLog",
    "FieldError",
    "Filter",
    "NotFoundError",
    "Operation",
    "OrderBy",
    "Page",
    "Reference",
    "Repository",
    "RepositoryError",
    "Storage",
    "StorageMappingError",
    "Transition",
    "UnitOfWork",
    "UnknownElementError",
    "ValidationError",
    "command",
    "create_engine",
    "default_sqlite_url",
    "normalise_url",
    "record_schema",
]
