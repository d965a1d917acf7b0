"""The one error the allocation engine raises for input it cannot allocate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: How many offending rows an error message shows; the full list stays on the error.
SHOWN_ROWS = 5


class AllocationInputError(ValueError):
    """Input the engine refuses: which frame, what is wrong, which rows, and what to do.

    `rows` are 0-based row positions in the frame the caller passed (as in `frame[row]`);
    `examples` holds the offending values of the first few of them.
    """

    def __init__(
        self,
        frame: str,
        problem: str,
        *,
        rows: Sequence[int] = (),
        examples: Sequence[Mapping[str, object]] = (),
        hint: str = "",
    ) -> None:
        self.frame = frame
        self.problem = problem
        self.rows = list(rows)
        self.examples = [dict(e) for e in examples]
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.frame}: {self.problem}"
        if self.rows:
            shown = "; ".join(
                f"row {row}: " + ", ".join(f"{k}={_show(v)}" for k, v in example.items())
                for row, example in zip(self.rows, self.examples[:SHOWN_ROWS], strict=False)
            )
            more = len(self.rows) - min(len(self.rows), SHOWN_ROWS)
            text += f" ({len(self.rows)} row{'s' if len(self.rows) != 1 else ''}: {shown}"
            text += f"; and {more} more)" if more else ")"
        if self.hint:
            text += f". {self.hint[:1].upper()}{self.hint[1:]}"
        return text


def _show(value: object) -> str:
    """Quote text (so blanks show), print dates and decimals as people write them."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
