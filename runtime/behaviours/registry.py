"""The behaviours of a compiled model, resolved once: which behaviours, hooks and commands
apply to each class (a class's own and every ancestor's, the most general first)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from types import MappingProxyType
from typing import Any, ParamSpec, TypeVar

from meshkit.ck.model import BehaviourRef, CompiledModel
from meshkit.runtime.behaviours import discovery
from meshkit.runtime.behaviours.behaviour import (
    Behaviour,
    Change,
    CommandContext,
    LinkChange,
    Transition,
)
from meshkit.runtime.behaviours.commands import CommandSpec, command_methods, describe
from meshkit.runtime.behaviours.errors import (
    BehaviourFailedError,
    BehaviourResolutionError,
    CommandDefinitionError,
    UnresolvedBehaviour,
)
from meshkit.runtime.errors import FieldError, RepositoryError

T = TypeVar("T")
P = ParamSpec("P")
_HOOKS = (
    "validate",
    "compute",
    "on_transition",
    "before_create",
    "after_create",
    "before_update",
    "after_update",
    "before_archive",
    "after_archive",
    "before_erase",
    "after_erase",
    "before_link",
    "after_link",
    "before_unlink",
    "after_unlink",
)


@dataclass(frozen=True)
class BoundBehaviour:
    """A resolved behaviour and the reference in the construction kit that named it."""

    ref: BehaviourRef
    behaviour: Behaviour

    @property
    def name(self) -> str:
        return self.ref.reference


@dataclass(frozen=True)
class BoundCommand:
    spec: CommandSpec
    bound: BoundBehaviour


def invoke(
    bound: BoundBehaviour,
    hook: str,
    class_qid: str,
    call: Callable[P, T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run one hook: a RepositoryError (a BehaviourError, or the refusal of a write the hook
    made) passes through; anything else is wrapped with the behaviour's name."""
    try:
        return call(*args, **kwargs)
    except RepositoryError:
        raise
    except Exception as exc:
        raise BehaviourFailedError(bound.name, hook, class_qid, exc) from exc


class ClassBehaviours:
    """Everything behaviours add to one class: hooks in order and commands by name."""

    def __init__(
        self,
        class_qid: str,
        behaviours: tuple[BoundBehaviour, ...],
        commands: Mapping[str, BoundCommand],
    ) -> None:
        self.class_qid = class_qid
        self.behaviours = behaviours
        self.commands: Mapping[str, BoundCommand] = MappingProxyType(commands)
        self._hooks = {
            hook: tuple(b for b in behaviours if _overrides(b.behaviour, hook)) for hook in _HOOKS
        }

    def has(self, hook: str) -> bool:
        return bool(self._hooks[hook])

    def validate(self, change: Change) -> list[FieldError]:
        errors: list[FieldError] = []
        for b in self._hooks["validate"]:
            errors.extend(invoke(b, "validate", self.class_qid, _validate, b.behaviour, change))
        return errors

    def compute(self, change: Change, allowed: Iterable[str]) -> dict[str, Any]:
        """Values of computed attributes; a more specific behaviour's value wins."""
        names = frozenset(allowed)
        values: dict[str, Any] = {}
        for b in self._hooks["compute"]:
            result = invoke(b, "compute", self.class_qid, _compute, b.behaviour, change)
            wrong = sorted(set(result) - names)
            if wrong:
                problem = ValueError(
                    f"it returned {', '.join(wrong)}, which are not computed attributes of "
                    f"{change.cls.qid} (computed: {', '.join(sorted(names)) or 'none'})"
                )
                raise BehaviourFailedError(b.name, "compute", self.class_qid, problem)
            values.update(result)
        return values

    def transitions(self, change: Change) -> None:
        before, after = change.before or {}, change.after or {}
        for b in self._hooks["on_transition"]:
            for attribute in sorted(b.behaviour.watches):
                if attribute in change.changed and before.get(attribute) != after.get(attribute):
                    step = Transition(attribute, before.get(attribute), after.get(attribute))
                    invoke(
                        b,
                        "on_transition",
                        self.class_qid,
                        b.behaviour.on_transition,
                        change,
                        step,
                    )

    def run(self, hook: str, change: Change | LinkChange) -> None:
        """Call a before_/after_ hook of every behaviour that has one."""
        for b in self._hooks[hook]:
            invoke(b, hook, self.class_qid, getattr(b.behaviour, hook), change)

    def call(self, name: str, context: CommandContext, arguments: Mapping[str, Any]) -> Any:
        bound = self.commands[name]
        method = getattr(bound.bound.behaviour, bound.spec.method)
        return invoke(
            bound.bound,
            f"command '{name}'",
            self.class_qid,
            method,
            context,
            **arguments,
        )


class BehaviourRegistry:
    """The resolved behaviours of one compiled model; build it once, share it."""

    def __init__(self, model: CompiledModel, classes: Mapping[str, ClassBehaviours]) -> None:
        self.model = model
        self._classes = dict(classes)

    @classmethod
    def for_model(
        cls, model: CompiledModel, *, entry_points: metadata.EntryPoints | None = None
    ) -> BehaviourRegistry:
        """Resolve every reference of `model`; BehaviourResolutionError lists each one that
        cannot be resolved, with the file:line of the construction kit that names it."""
        available = discovery.installed_entry_points() if entry_points is None else entry_points
        problems: list[UnresolvedBehaviour] = []
        resolved: dict[str, BoundBehaviour] = {}  # reference -> behaviour, one instance each
        own: dict[str, list[BoundBehaviour]] = {}
        for class_def in model.classes.values():
            for ref in class_def.behaviours:
                bound = resolved.get(ref.reference)
                if bound is None:
                    try:
                        bound = BoundBehaviour(ref, discovery.load(ref, available))
                    except discovery.Unresolvable as exc:
                        problems.append(
                            UnresolvedBehaviour(
                                ref.reference, class_def.qid, ref.location, str(exc)
                            )
                        )
                        continue
                    resolved[ref.reference] = bound
                own.setdefault(class_def.qid, []).append(BoundBehaviour(ref, bound.behaviour))
        commands: dict[str, dict[str, BoundCommand]] = {}
        for qid, bound_list in own.items():
            commands[qid] = _own_commands(qid, bound_list, problems)
        if problems:
            raise BehaviourResolutionError(problems)
        classes: dict[str, ClassBehaviours] = {}
        for class_def in model.classes.values():
            chain = [*reversed(class_def.ancestors), class_def.qid]
            behaviours: dict[str, BoundBehaviour] = {}
            merged: dict[str, BoundCommand] = {}
            for qid in chain:  # most general first; a subclass's command overrides
                for b in own.get(qid, []):
                    behaviours.setdefault(b.name, b)
                merged.update(commands.get(qid, {}))
            classes[class_def.qid] = ClassBehaviours(
                class_def.qid, tuple(behaviours.values()), merged
            )
        return cls(model, classes)

    @classmethod
    def empty(cls, model: CompiledModel) -> BehaviourRegistry:
        """No behaviours at all, whatever the model names (tools that only read data)."""
        return cls(model, {q: ClassBehaviours(q, (), {}) for q in model.classes})

    def of(self, class_qid: str) -> ClassBehaviours:
        return self._classes[class_qid]

    def commands(self, class_ref: str) -> Mapping[str, CommandSpec]:
        """The commands callable on entities of `class_ref` (qid or unique short name)."""
        qid = self.model.cls(class_ref).qid
        return {name: c.spec for name, c in self._classes[qid].commands.items()}

    @property
    def behaviours(self) -> list[BoundBehaviour]:
        """Every resolved behaviour reference, once per class that declares it."""
        seen: dict[tuple[str, str], BoundBehaviour] = {}
        for c in self._classes.values():
            for b in c.behaviours:
                seen.setdefault((b.ref.declared_in, b.name), b)
        return list(seen.values())


def _own_commands(
    class_qid: str, bound_list: list[BoundBehaviour], problems: list[UnresolvedBehaviour]
) -> dict[str, BoundCommand]:
    """The commands of the behaviours one class declares; a name twice is a problem."""
    commands: dict[str, BoundCommand] = {}
    for b in bound_list:
        for method, function, options in command_methods(b.behaviour):
            try:
                spec = describe(function, options, method, b.name, class_qid)
            except CommandDefinitionError as exc:
                problems.append(UnresolvedBehaviour(b.name, class_qid, b.ref.location, str(exc)))
                continue
            other = commands.get(spec.name)
            if other is not None:
                problems.append(
                    UnresolvedBehaviour(
                        b.name,
                        class_qid,
                        b.ref.location,
                        f"command '{spec.name}' is also provided by '{other.bound.name}' "
                        f"({other.bound.ref.location}); rename one of them",
                    )
                )
                continue
            commands[spec.name] = BoundCommand(spec, b)
    return commands


def _validate(behaviour: Behaviour, change: Change) -> list[FieldError]:
    return list(behaviour.validate(change))  # a generator raises while it is consumed


def _compute(behaviour: Behaviour, change: Change) -> dict[str, Any]:
    return dict(behaviour.compute(change))


def _overrides(behaviour: Behaviour, hook: str) -> bool:
    return getattr(type(behaviour), hook) is not getattr(Behaviour, hook)
