"""Where one request of bench/graphql/run.py spends its time, in-process (no HTTP, no PostGraphile).

Run on demand:

    .venv/bin/python bench/graphql/profile_request.py [--postgresql URL] [--repeat 30]
        [--participants 1000] [--cprofile 25]

Seeds the benchmark's community (run.py's `seed`) into a fresh schema, builds the schema with
the model's policy as the server does (admin principal, dev headers), answers the ten pages once
to warm up, then `--repeat` times each and prints per request: the process CPU time, the wall
time, the SQL statements and the time spent inside the database driver (statement round trips,
server time included), the time in the batched reads (`EntityReader`: building, running and
decoding statements; the rest is graphql-core executing), and — with `--cprofile N` — the N
functions with most own and most cumulative CPU time. CPU time is what to compare on a shared
machine; the load average is printed with it.

When the machine is loaded, CPU time is noisy too: count instructions of the timed requests
instead (only they are instrumented, the set-up runs uninstrumented; divide by the requests):

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \
        .venv/bin/python bench/graphql/profile_request.py --repeat 2 --callgrind
    grep totals: /tmp/cg.out
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DEFAULT_POSTGRESQL, MESHKIT_QUERY, TENANT, fresh_schema, machine, seed

from meshkit.ck import compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth import Policy
from meshkit.runtime.graphql import RequestContext, build_schema
from meshkit.runtime.graphql._reader import EntityReader
from meshkit.runtime.graphql._security import dev_principal

MODELS = Path(__file__).resolve().parents[2] / "models"


class DriverClock:
    """Statements executed and the time spent in the driver's `execute` (SQL round trips)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements = 0
        self.seconds = 0.0
        self._started: list[float] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.statements += 1
        self.seconds += time.perf_counter() - self._started.pop()


class ReaderClock:
    """Time spent in the batched reads (`EntityReader`: build SQL, run it, decode the rows);
    the rest of a request is graphql-core executing resolvers and completing values."""

    READS = ("one", "page", "by_ids", "related", "related_counts")

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0
        for name in self.READS:
            setattr(EntityReader, name, self._timed(getattr(EntityReader, name)))

    def _timed(self, read: Any) -> Any:
        @functools.wraps(read)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            started = time.perf_counter()
            try:
                return read(*args, **kwargs)
            finally:
                self._depth -= 1
                if not self._depth:
                    self.seconds += time.perf_counter() - started

        return timed


def callgrind_instrumentation(state: str) -> None:
    """Switch callgrind's instrumentation of this process on or off. callgrind takes the
    command while the process runs, so keep running (not blocked in a wait) until it has."""
    control = subprocess.Popen(["callgrind_control", "-i", state, str(os.getpid())])
    while control.poll() is None:
        time.sleep(0.01)
    if control.returncode:
        raise SystemExit("callgrind_control failed: run under valgrind --tool=callgrind")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgresql", default=os.environ.get("MESHKIT_TEST_DATABASE_URL") or DEFAULT_POSTGRESQL
    )
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30, help="rounds over the ten pages")
    parser.add_argument("--cprofile", type=int, default=0, help="print the N top functions")
    parser.add_argument(
        "--callgrind", action="store_true", help="instrument the timed requests (see above)"
    )
    args = parser.parse_args()
    print(machine())
    model = compile_model(MODELS / "energy_community", library_paths=[MODELS])
    policy = Policy.compile(model, MODELS / "energy_community" / "_policy" / "permissions.yaml")
    with fresh_schema(args.postgresql) as schema_name:
        community = seed(args.postgresql, schema_name, args.participants)
        engine = create_engine(args.postgresql, schema=schema_name)
        repository = Repository(engine, model)
        schema = build_schema(model, repository.storage, policy=policy)
        principal = dev_principal({"X-Meshkit-Tenant": TENANT, "X-Meshkit-Actor": "bench"})

        def request(after: str | None) -> str | None:
            context = RequestContext(repository, principal=principal, policy=policy)
            result = schema.execute_sync(
                MESHKIT_QUERY, {"id": community, "after": after}, context_value=context
            )
            assert not result.errors, result.errors
            assert result.data is not None
            end = result.data["energyCommunity"]["participants"]["pageInfo"]["endCursor"]
            return str(end) if end else None

        cursors: list[str | None] = [None]
        while (after := request(cursors[-1])) is not None:  # warm up; collect the pages
            cursors.append(after)
        cursors.pop()  # the last cursor gives an empty page
        clock, reads = DriverClock(engine), ReaderClock()
        gc.freeze()  # as the server does (ApiSettings.freeze_gc)
        profile = cProfile.Profile(time.process_time) if args.cprofile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if args.callgrind:
            callgrind_instrumentation("on")
        if profile is not None:
            profile.enable()
        for _ in range(args.repeat):
            for after in cursors:
                request(after)
        if profile is not None:
            profile.disable()
        if args.callgrind:
            callgrind_instrumentation("off")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        n = args.repeat * len(cursors)
        print(
            f"{n} requests: CPU {cpu / n * 1000:.2f} ms/request, wall {wall / n * 1000:.2f} ms, "
            f"{clock.statements / n:.1f} SQL/request taking {clock.seconds / n * 1000:.2f} ms "
            f"in the driver; {reads.seconds / n * 1000:.2f} ms in EntityReader reads (driver "
            f"included){' (under cProfile)' if profile else ''}"
        )
        if profile is not None:
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.cprofile)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.cprofile)
        engine.dispose()
    print(machine().split("; ")[-1] + " at the end")


if __name__ == "__main__":
    main()
