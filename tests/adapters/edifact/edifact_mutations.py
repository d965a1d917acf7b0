"""Mutated EDIFACT interchanges for the fuzz tests: flipped bits, special characters,
truncation, deleted or doubled segments — one to three of them per example."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

#: Characters that mean something in EDIFACT (release, terminator, separators, decimal marks).
SPECIAL = "?'+:, .\n0-"


def mutations(bases: Sequence[str]) -> st.SearchStrategy[str]:
    """One of `bases` with one to three mutations."""

    @st.composite
    def mutated(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(bases))
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["flip", "special", "truncate", "delete", "duplicate"]))
            if not text:
                break
            at = draw(st.integers(0, len(text) - 1))
            if kind == "flip":
                flipped = chr(ord(text[at]) ^ (1 << draw(st.integers(0, 7))))
                text = text[:at] + flipped + text[at + 1 :]
            elif kind == "special":
                text = text[:at] + draw(st.sampled_from(SPECIAL)) + text[at + 1 :]
            elif kind == "truncate":
                text = text[:at]
            else:
                segments = text.split("'")
                i = draw(st.integers(0, max(0, len(segments) - 2)))
                if kind == "delete":
                    del segments[i]
                else:
                    segments.insert(i, segments[i])
                text = "'".join(segments)
        return text

    return mutated()
