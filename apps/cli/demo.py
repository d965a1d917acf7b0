"""`meshkit demo`: the main job on the embedded default."""

from __future__ import annotations


def demo() -> None:
    """Compile the model library and run the demo community end to end."""
