"""How long building the GraphQL schema of the model library takes (issue: < 1 s).

Run on demand:  .venv/bin/python bench/graphql_schema.py [--repeat N]

Resolving the behaviours (importing their code) is done once before and not counted: a
running server pays it at start, not when it swaps in the schema of a new model version.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from meshkit.ck import compile_model
from meshkit.runtime.behaviours.registry import BehaviourRegistry
from meshkit.runtime.graphql import build_schema

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python "
        f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}"
    )
    model = compile_model(ROOT / "models" / "energy_community", library_paths=[ROOT / "models"])
    behaviours = BehaviourRegistry.for_model(model)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        schema = build_schema(model, behaviours=behaviours)
        times.append(time.perf_counter() - started)
    types = len(schema.graphql_schema.type_map)
    print(
        f"energy_community {model.version}: {len(model.classes)} classes -> {types} GraphQL "
        f"types; build best {min(times) * 1000:.0f} ms, median "
        f"{sorted(times)[len(times) // 2] * 1000:.0f} ms of {args.repeat} (target < 1,000 ms)"
    )


if __name__ == "__main__":
    main()
