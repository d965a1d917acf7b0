"""Behaviours of the bh_grid test model, named by dotted path (`bh_behaviours:Recorder`).

`Recorder` writes down every hook call in `CALLS`, and fails where a test asks it to in `FAIL`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from meshkit.runtime import FieldError
from meshkit.runtime.behaviours import (
    Behaviour,
    Change,
    CommandContext,
    LinkChange,
    Transition,
    command,
)


@dataclass(frozen=True)
class Call:
    behaviour: str
    hook: str
    class_qid: str
    entity_id: str
    changed: frozenset[str]
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    extra: Any = None


CALLS: list[Call] = []
FAIL: dict[str, BaseException] = {}  # hook name -> what to raise there


class Recorder(Behaviour):
    watches = frozenset({"status", "state"})

    def _note(self, hook: str, change: Change, extra: Any = None) -> None:
        CALLS.append(
            Call(
                type(self).__name__,
                hook,
                change.cls.qid,
                change.entity_id,
                change.changed,
                change.before,
                change.after,
                extra,
            )
        )
        if hook in FAIL:
            raise FAIL[hook]

    def validate(self, change: Change) -> Iterator[FieldError]:
        self._note("validate", change)
        assert change.after is not None
        if change.after.get("code") == "BAD":
            yield FieldError("code-format", ("code",), "BAD is not a code")

    def compute(self, change: Change) -> dict[str, Any]:
        self._note("compute", change)
        after = change.entity
        return {"slug": f"{after['name']}-{after['code']}".lower()}

    def on_transition(self, change: Change, transition: Transition) -> None:
        self._note("on_transition", change, transition)

    def before_create(self, change: Change) -> None:
        self._note("before_create", change)

    def after_create(self, change: Change) -> None:
        self._note("after_create", change)

    def before_update(self, change: Change) -> None:
        self._note("before_update", change)

    def after_update(self, change: Change) -> None:
        self._note("after_update", change)

    def before_archive(self, change: Change) -> None:
        self._note("before_archive", change)

    def after_archive(self, change: Change) -> None:
        self._note("after_archive", change)

    def before_erase(self, change: Change) -> None:
        self._note("before_erase", change)

    def after_erase(self, change: Change) -> None:
        self._note("after_erase", change)

    def _note_link(self, hook: str, change: LinkChange) -> None:
        extra = (change.end, change.other_cls.qid, change.other_id, change.changed)
        CALLS.append(
            Call(
                type(self).__name__,
                hook,
                change.cls.qid,
                change.entity_id,
                change.changed,
                change.before,
                change.after,
                extra,
            )
        )
        if hook in FAIL:
            raise FAIL[hook]

    def before_link(self, change: LinkChange) -> None:
        self._note_link("before_link", change)

    def after_link(self, change: LinkChange) -> None:
        self._note_link("after_link", change)

    def before_unlink(self, change: LinkChange) -> None:
        self._note_link("before_unlink", change)

    def after_unlink(self, change: LinkChange) -> None:
        self._note_link("after_unlink", change)


class LocalRules(Behaviour):
    """Bound to LocalCommunity only: a local community scores at most 10, and may reset."""

    def validate(self, change: Change) -> list[FieldError]:
        CALLS.append(
            Call(
                "LocalRules",
                "validate",
                change.cls.qid,
                change.entity_id,
                change.changed,
                change.before,
                change.after,
            )
        )
        score = change.entity.get("score")
        if score is not None and score > 10:
            return [FieldError("too-high", ("score",), "a local community scores at most 10")]
        return []

    def after_create(self, change: Change) -> None:
        CALLS.append(
            Call(
                "LocalRules",
                "after_create",
                change.cls.qid,
                change.entity_id,
                change.changed,
                change.before,
                change.after,
            )
        )

    @command
    def reset(self, ctx: CommandContext, score: int = 0) -> int:
        """Set the score back (to 0 unless told otherwise); the new version is returned."""
        updated = ctx.uow.update(
            "LocalCommunity", ctx.entity_id, {"score": score}, ctx.entity["version"]
        )
        return int(updated["version"])

    @command(read_only=True)
    def try_reset(self, ctx: CommandContext, score: int = 0) -> int:
        """What reset would make of the version; writes it to find out, which is undone."""
        updated = ctx.uow.update(
            "LocalCommunity", ctx.entity_id, {"score": score}, ctx.entity["version"]
        )
        return int(updated["version"])


NOT_A_BEHAVIOUR = 42


class UntypedCommand(Behaviour):
    @command
    def run(self, ctx: CommandContext, how):  # type: ignore[no-untyped-def]
        return how
