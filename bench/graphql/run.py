"""GraphQL API figures: meshkit against PostGraphile 5 on the same PostgreSQL tables.

Run on demand (never part of `make test`):

    .venv/bin/python bench/graphql/run.py [--postgresql URL] [--seconds 12] [--participants 1000]

Seeds one energy community of 1,000 participants (each with a consumption metering point, every
fourth also a generation point, each point taking part in the community with a participation
factor) through meshkit's runtime into a fresh PostgreSQL schema (then ANALYZE), and serves it
twice on loopback ports: meshkit (uvicorn, one process, the policy applied) and PostGraphile 5
(node, `npm ci` into bench/graphql/node_modules on first use). Both answer the same nested
query — community -> 100 participants a page -> participations -> metering point — for the ten
pages in turn, at concurrency 1 and 16, driven by wrk (`apt install wrk`; C, so the load
generator hardly takes CPU from the servers and PostgreSQL on a small machine; `--client httpx`
or no wrk: this process's asyncio/httpx clients instead), the two servers taking turns (6 per
concurrency) so that both see the same machine load. The answers are
checked to be the same participants, metering points and factors before anything is timed.
Prints requests/s, p50/p99 latency, SQL statements per request, the CPU time each server process
spent per request (the figure that holds when other work loads the machine; PostgreSQL's own
time not included), the ratio, the machine and the load average; the schema is dropped
afterwards. See docs/graphql.md, "Performance".

Goal: meshkit at least as fast as PostGraphile.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg

from meshkit.ck import compile_model
from meshkit.runtime import Repository, create_engine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/test"
TENANT = "bench"
PAGE = 100
ROUNDS = 6  # turns each API takes per concurrency

MESHKIT_QUERY = """
query Bench($id: ID!, $after: String) {
  energyCommunity(id: $id) {
    name
    participants(first: 100, after: $after, orderBy: [{memberNumber: ASC}]) {
      pageInfo { endCursor }
      nodes {
        id
        memberNumber
        participations(orderBy: [{validFrom: ASC}]) {
          nodes { participationFactor meteringPoint { id meteringPointId } }
        }
      }
    }
  }
}"""

# PostGraphile's names for the same tables: a table per collection root, composite foreign keys
# (tenant, <end>_id) -> (tenant, id) become the relations; the `id` column is `rowId` (`id` is
# PostGraphile's global node id).
POSTGRAPHILE_QUERY = """
query Bench($tenant: String!, $id: String!, $after: Cursor) {
  energyCommunityEnergyCommunityByTenantAndRowId(tenant: $tenant, rowId: $id) {
    name
    participants: energyCommunityParticipantsByTenantAndCommunityId(
      first: 100, after: $after, orderBy: MEMBER_NUMBER_ASC
    ) {
      pageInfo { endCursor }
      nodes {
        id: rowId
        memberNumber
        participations: energyCommunityParticipationsByTenantAndParticipantId(
          orderBy: VALID_FROM_ASC
        ) {
          nodes {
            participationFactor
            meteringPoint: energyCommunityMeteringPointByTenantAndMeteringPointId {
              id: rowId meteringPointId
            }
          }
        }
      }
    }
  }
}"""

ADDRESS = {"street": "Sonnenweg", "house_number": "1", "postal_code": "4020", "city": "Linz"}


# ====================================================================== data
def seed(url: str, schema: str, participants: int) -> str:
    """One community with `participants` members, through the runtime; the community's id."""
    models = ROOT / "models"
    model = compile_model(models / "energy_community", library_paths=[models])
    engine = create_engine(url, schema=schema)
    repo = Repository(engine, model)
    repo.create_tables()
    with repo.unit_of_work(tenant=TENANT, actor="bench") as uow:
        community = uow.create(
            "EnergyCommunity",
            {
                "name": "Sonnenstrom Mühlviertel",
                "community_id": "AT00300000000RC100130000000000001",
                "ec_number": "RC100130",
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": ADDRESS,
            },
        )
        people: dict[str, list[dict[str, Any]]] = {"NaturalPerson": [], "LegalPerson": []}
        for m in range(participants):
            values: dict[str, Any] = {
                "member_number": f"M{m + 1:05d}",
                "address": ADDRESS,
                "joined_on": date(2024, 1 + m % 12, 1 + m % 28),
                "community": community["id"],
            }
            if m % 3:
                values.update(first_name="Anna", last_name=f"Huber {m}")
                people["NaturalPerson"].append(values)
            else:
                values.update(company_name=f"Maier {m} GmbH")
                people["LegalPerson"].append(values)
        members = [p for name, rows in people.items() for p in uow.create_many(name, rows)]
        owners = [p for i, p in enumerate(members) for _ in range(1 if i % 4 else 2)]
        points = uow.create_many(
            "MeteringPoint",
            [
                {
                    "metering_point_id": f"AT0030000000000000000000{i:09d}",
                    "direction": "generation" if i % 2 and j else "consumption",
                    "grid_operator_id": "AT003000",
                }
                for j, i in enumerate(range(1, len(owners) + 1))
            ],
        )
        uow.create_many(
            "Participation",
            [
                {
                    "participation_factor": 1 + i % 100,
                    "valid_from": date(2024, 1 + i % 12, 1 + i % 28),
                    "metering_point": point["id"],
                    "community": community["id"],
                    "participant": owner["id"],
                    "status": "active",
                }
                for i, (point, owner) in enumerate(zip(points, owners, strict=True))
            ],
        )
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:  # statistics, as a live database has
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            conn.execute(f'ANALYZE "{schema}"."{table}"')
    return str(community["id"])


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    schema = f"bench_graphql_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


# ====================================================================== servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    label: str, command: list[str], env: dict[str, str], cwd: Path, ready: str
) -> Iterator[subprocess.Popen[bytes]]:
    log = (HERE / "node_modules" / f".{label}.log").open("wb")
    process = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{label} exited with {process.returncode}; see {log.name}")
            try:
                if httpx.get(ready, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{label} did not start within 120 s; see {log.name}")
            time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def npm_ci() -> None:
    """The PostGraphile packages, installed from package-lock.json when they are missing."""
    marker = HERE / "node_modules" / ".bench-installed"
    lock = HERE / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found: PostGraphile needs Node.js and npm")
    print("installing PostGraphile (npm ci) ...", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    marker.touch()


# ====================================================================== one API
@dataclass
class Api:
    label: str
    url: str
    headers: dict[str, str]
    query: str
    variables: Callable[[str | None], dict[str, Any]]
    community: Callable[[dict[str, Any]], dict[str, Any]]
    statements: Callable[[], float]
    pid: int = 0  # the server process, for its CPU time

    def body(self, after: str | None) -> bytes:
        return json.dumps({"query": self.query, "variables": self.variables(after)}).encode()

    def pages(self) -> tuple[list[bytes], list[tuple[str, str, int, str]]]:
        """The request body of every page (walking the cursors) and the flattened answer:
        (member number, metering point id, factor, participant id) per participation."""
        bodies: list[bytes] = []
        flat: list[tuple[str, str, int, str]] = []
        after: str | None = None
        headers = {**self.headers, "content-type": "application/json"}
        with httpx.Client(headers=headers, timeout=60) as client:
            while True:
                body = self.body(after)
                response = client.post(self.url, content=body)
                if response.status_code != 200:
                    raise SystemExit(f"{self.label}: {response.status_code} {response.text[:500]}")
                answer = response.json()
                if answer.get("errors"):
                    raise SystemExit(f"{self.label}: {answer['errors']}")
                connection = self.community(answer["data"])["participants"]
                if not connection["nodes"]:
                    break
                bodies.append(body)
                for p in connection["nodes"]:
                    for part in p["participations"]["nodes"]:
                        point = part["meteringPoint"]
                        flat.append(
                            (
                                p["memberNumber"],
                                point["meteringPointId"],
                                int(part["participationFactor"]),
                                p["id"],
                            )
                        )
                after = connection["pageInfo"]["endCursor"]
        return bodies, sorted(flat)


@dataclass
class Figures:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statements: float
    cpu_seconds: float = 0.0  # of the server process
    # wrk reports percentiles, not each latency: (requests, p50, p99) of each round
    rounds: list[tuple[int, float, float]] = field(default_factory=list)

    def __add__(self, other: Figures) -> Figures:
        requests = self.requests + other.requests
        return Figures(
            requests,
            self.seconds + other.seconds,
            self.latencies_ms + other.latencies_ms,
            (self.statements * self.requests + other.statements * other.requests)
            / max(1, requests),
            self.cpu_seconds + other.cpu_seconds,
            self.rounds + other.rounds,
        )

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if self.rounds:  # wrk: the rounds' percentiles, weighted by their requests
            at = 1 if p < 0.9 else 2
            total = sum(r[0] for r in self.rounds)
            return sum(r[0] * r[at] for r in self.rounds) / max(1, total)
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    def line(self) -> str:
        return (
            f"{self.rps:8.1f} req/s   p50 {self.percentile(0.5):7.1f} ms   "
            f"p99 {self.percentile(0.99):7.1f} ms   {self.statements:4.1f} SQL/request   "
            f"{self.cpu_seconds * 1000 / max(1, self.requests):5.2f} ms CPU/request   "
            f"({self.requests} requests)"
        )


async def load(
    api: Api, bodies: list[bytes], concurrency: int, seconds: float, warm: bool
) -> Figures:
    """`concurrency` clients in a closed loop for `seconds`, cycling through the pages."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {**api.headers, "content-type": "application/json"}
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=120) as client:
        for body in bodies if warm else ():  # warm up: plans, caches, connections
            (await client.post(api.url, content=body)).raise_for_status()
        before = api.statements()
        cpu = process_cpu(api.pid)
        stop = time.perf_counter() + seconds
        start = time.perf_counter()

        async def worker(n: int) -> None:
            i = n
            while time.perf_counter() < stop:
                began = time.perf_counter()
                response = await client.post(api.url, content=bodies[i % len(bodies)])
                if response.status_code != 200 or b'"errors"' in response.content[:20]:
                    raise SystemExit(f"{api.label}: {response.status_code} {response.text[:300]}")
                latencies.append((time.perf_counter() - began) * 1000)
                i += 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - start
        after = api.statements()
        cpu = process_cpu(api.pid) - cpu
    n = len(latencies)
    return Figures(n, elapsed, latencies, (after - before) / max(1, n), cpu)


WRK_SCRIPT = """
local bodies = {%(bodies)s}
local i = 0
wrk.method = "POST"
%(headers)s
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i %% #bodies) + 1])
end
local failed = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(string.sub(body, 1, 20), '"errors"', 1, true) then
    failed = failed + 1
  end
end
done = function(summary, latency, requests)
  io.write(string.format("meshkit-bench %%d %%f %%f %%d\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed))
end
"""


def wrk_load(
    api: Api, bodies: list[bytes], concurrency: int, seconds: float, warm: bool
) -> Figures:
    """The same closed loop driven by wrk (C, one thread per 8 connections): a load generator
    that hardly competes for the 2 CPUs the servers and PostgreSQL share."""
    if warm:
        with httpx.Client(headers={**api.headers, "content-type": "application/json"}) as c:
            for body in bodies:
                c.post(api.url, content=body).raise_for_status()
    lua = ",".join(json.dumps(b.decode()) for b in bodies)
    headers = "\n".join(
        f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}"
        for k, v in {**api.headers, "Content-Type": "application/json"}.items()
    )
    script = HERE / "node_modules" / f".{api.label}.lua"
    script.write_text(WRK_SCRIPT % {"bodies": lua, "headers": headers})
    before = api.statements()
    cpu = process_cpu(api.pid)
    threads = max(1, min(4, concurrency // 8))
    started = time.perf_counter()
    run = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(concurrency),
            "-d",
            f"{max(1, round(seconds))}s",
            "-s",
            str(script),
            api.url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    cpu = process_cpu(api.pid) - cpu
    after = api.statements()
    line = next(x for x in run.stdout.splitlines() if x.startswith("meshkit-bench "))
    _, requests, p50, p99, failed = line.split()
    if int(failed) or "Non-2xx" in run.stdout:
        raise SystemExit(f"{api.label}: {failed} failed responses\n{run.stdout}")
    n = int(requests)
    return Figures(
        n,
        min(elapsed, max(1, round(seconds))),
        [],
        (after - before) / max(1, n),
        cpu,
        [(n, float(p50), float(p99))],
    )


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def meshkit_statements(base: str) -> Callable[[], float]:
    def read() -> float:
        text = httpx.get(f"{base}/metrics").text
        for line in text.splitlines():
            if line.startswith("meshkit_sql_statements_per_request_sum"):
                return float(line.split()[-1])
        raise SystemExit("meshkit /metrics has no meshkit_sql_statements_per_request_sum")

    return read


def postgraphile_statements(base: str) -> Callable[[], float]:
    def read() -> float:
        return float(httpx.get(f"{base}/bench-stats").json()["statements"])

    return read


# ====================================================================== main
def machine() -> str:
    load1, load5, load15 = os.getloadavg()
    return (
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or '?'}; "
        f"python {sys.version.split()[0]}; load average {load1:.2f} {load5:.2f} {load15:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("MESHKIT_TEST_DATABASE_URL") or DEFAULT_POSTGRESQL,
    )
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument(
        "--seconds", type=float, default=12.0, help="per API and concurrency, in 6 turns"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
        help="the load generator: wrk (Debian package wrk; C, hardly uses the CPUs the servers "
        "share) when installed, else this process's asyncio/httpx clients",
    )
    args = parser.parse_args()

    npm_ci()
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node not found: PostGraphile needs Node.js")
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    print(machine())
    with psycopg.connect(args.postgresql) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    print(
        f"PostgreSQL {row[0] if row else '?'}; node {node_version.strip()}; "
        f"load generator {args.client}"
    )

    with fresh_schema(args.postgresql) as schema:
        started = time.perf_counter()
        community = seed(args.postgresql, schema, args.participants)
        print(
            f"seeded {args.participants} participants into schema {schema} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        meshkit_port, pgl_port = free_port(), free_port()
        meshkit_base = f"http://127.0.0.1:{meshkit_port}"
        pgl_base = f"http://127.0.0.1:{pgl_port}"
        meshkit_server = server(
            "meshkit",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "--app-dir",
                str(HERE),
                "--host",
                "127.0.0.1",
                "--port",
                str(meshkit_port),
                "--log-level",
                "warning",
                "--no-access-log",
                "bench_graphql_app:app",
            ],
            {"MESHKIT_BENCH_URL": args.postgresql, "MESHKIT_BENCH_SCHEMA": schema},
            ROOT,
            f"{meshkit_base}/ready",
        )
        pgl_server = server(
            "postgraphile",
            [node, str(HERE / "postgraphile.mjs")],
            {"DATABASE_URL": args.postgresql, "PG_SCHEMA": schema, "PORT": str(pgl_port)},
            HERE,
            f"{pgl_base}/bench-stats",
        )
        with meshkit_server as meshkit_process, pgl_server as pgl_process:
            meshkit = Api(
                "meshkit",
                f"{meshkit_base}/graphql",
                {"X-Meshkit-Tenant": TENANT, "X-Meshkit-Actor": "bench"},
                MESHKIT_QUERY,
                lambda after: {"id": community, "after": after},
                lambda data: data["energyCommunity"],
                meshkit_statements(meshkit_base),
                meshkit_process.pid,
            )
            pgl = Api(
                "PostGraphile",
                f"{pgl_base}/graphql",
                {},
                POSTGRAPHILE_QUERY,
                lambda after: {"tenant": TENANT, "id": community, "after": after},
                lambda data: data["energyCommunityEnergyCommunityByTenantAndRowId"],
                postgraphile_statements(pgl_base),
                pgl_process.pid,
            )
            bodies: dict[str, list[bytes]] = {}
            answers = {}
            for api in (meshkit, pgl):
                bodies[api.label], answers[api.label] = api.pages()
            mine, theirs = answers["meshkit"], answers["PostGraphile"]
            assert (
                len(bodies["meshkit"])
                == len(bodies["PostGraphile"])
                == -(-args.participants // PAGE)
            ), {k: len(v) for k, v in bodies.items()}
            assert len({m for m, *_ in mine}) == args.participants, "participants missing"
            assert mine == theirs, "meshkit and PostGraphile answer differently"
            print(
                f"both answer the same {args.participants} participants, {len(mine)} "
                f"participations with metering points and factors ({len(bodies['meshkit'])} pages)"
            )
            # The machine's load changes from second to second (it is shared): the two APIs
            # take turns in short rounds, so both see the same conditions on average.
            for concurrency in args.concurrency:
                results: dict[str, Figures] = {}
                for round_ in range(ROUNDS):
                    for api in (meshkit, pgl) if round_ % 2 == 0 else (pgl, meshkit):
                        seconds, warm = args.seconds / ROUNDS, round_ == 0
                        if args.client == "wrk":
                            figures = wrk_load(api, bodies[api.label], concurrency, seconds, warm)
                        else:
                            figures = asyncio.run(
                                load(api, bodies[api.label], concurrency, seconds, warm)
                            )
                        known = results.get(api.label)
                        results[api.label] = figures if known is None else known + figures
                for api in (meshkit, pgl):
                    print(f"  c={concurrency:<3} {api.label:<13}{results[api.label].line()}")
                ours, ref = results["meshkit"], results["PostGraphile"]
                cpu_ratio = (ours.cpu_seconds / max(1, ours.requests)) / max(
                    1e-9, ref.cpu_seconds / max(1, ref.requests)
                )
                print(
                    f"  c={concurrency:<3} meshkit / PostGraphile: {ours.rps / ref.rps:.2f}x "
                    f"the requests/s, {cpu_ratio:.2f}x the server CPU per request; "
                    f"load average now {os.getloadavg()[0]:.2f}"
                )
    print(machine().split("; ")[-1] + " at the end")


if __name__ == "__main__":
    main()
