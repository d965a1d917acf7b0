"""Behaviours: domain logic a plugin binds to model classes through the construction kit.

    from meshkit.runtime.behaviours import Behaviour, Change, CommandContext, command

    class MeterCode(Behaviour):
        def compute(self, change: Change) -> dict[str, str]:
            return {"meter_code": "1-1:1.9.0 P.01"}

        @command
        def reset(self, ctx: CommandContext, reason: str) -> int: ...

A class's `behaviours` list names each one by entry point (group `meshkit.behaviours`) or by
dotted path `module:object`; `BehaviourRegistry.for_model` resolves them all once. See
docs/behaviours.md.
"""

from meshkit.runtime.behaviours.behaviour import (
    Behaviour,
    Change,
    CommandContext,
    LinkChange,
    Transition,
)
from meshkit.runtime.behaviours.commands import CommandSpec, Parameter, command
from meshkit.runtime.behaviours.discovery import ENTRY_POINT_GROUP
from meshkit.runtime.behaviours.errors import (
    BehaviourError,
    BehaviourFailedError,
    BehaviourResolutionError,
    CommandDefinitionError,
    UnresolvedBehaviour,
)
from meshkit.runtime.behaviours.registry import (
    BehaviourRegistry,
    BoundBehaviour,
    ClassBehaviours,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Behaviour",
    "BehaviourError",
    "BehaviourFailedError",
    "BehaviourRegistry",
    "BehaviourResolutionError",
    "BoundBehaviour",
    "Change",
    "ClassBehaviours",
    "CommandContext",
    "CommandDefinitionError",
    "CommandSpec",
    "LinkChange",
    "Parameter",
    "Transition",
    "UnresolvedBehaviour",
    "command",
]
