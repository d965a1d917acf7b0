"""Operations: per-request JSON logs and Prometheus metrics, with SQL statements per request.

`ObserveMiddleware` (pure ASGI, outermost) gives each HTTP request a `RequestInfo` in a context
variable — the request id (`X-Request-Id`, or a new one, echoed in the response), the principal
(set by the auth middleware), the GraphQL operation name and error count (set by the schema),
the number of SQL statements (counted by an engine listener; the context variable travels into
the worker threads that run resolvers) — and at the end writes one JSON log line
(`meshkit.graphql.access`) and updates the metrics served at `/metrics` in the Prometheus text
format (written here: `prometheus_client` is not a dependency).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from bisect import bisect_left
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshkit.runtime.auth.starlette import SCOPE_KEY

access_log = logging.getLogger("meshkit.graphql.access")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATEMENT_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)


@dataclass
class RequestInfo:
    request_id: str
    path: str
    operation: str | None = None
    errors: int = 0
    statements: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_statement(self) -> None:
        with self.lock:
            self.statements += 1


current_request: ContextVar[RequestInfo | None] = ContextVar("meshkit_request", default=None)


def count_statements(engine: sa.Engine) -> None:
    """Count every statement run on `engine` into the current request (once per engine)."""
    if getattr(engine, "_meshkit_counted", False):
        return

    def record(*_args: Any) -> None:
        info = current_request.get()
        if info is not None:
            info.count_statement()

    sa.event.listen(engine, "before_cursor_execute", record)
    engine._meshkit_counted = True  # type: ignore[attr-defined]


class _Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.buckets, value)] += 1
        self.sum += value
        self.count += 1


class Metrics:
    """Counters and histograms per (path, operation), exposed as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = {}
        self.errors: dict[tuple[str, str], int] = {}
        self.latency: dict[str, _Histogram] = {}
        self.statements: dict[str, _Histogram] = {}
        self.schema_reloads = 0

    def record(self, info: RequestInfo, status: int, seconds: float) -> None:
        operation = info.operation or ""
        with self._lock:
            key = (info.path, operation, status)
            self.requests[key] = self.requests.get(key, 0) + 1
            if info.errors or status >= 400:
                errors = (info.path, operation)
                self.errors[errors] = self.errors.get(errors, 0) + max(info.errors, 1)
            self.latency.setdefault(info.path, _Histogram(LATENCY_BUCKETS)).observe(seconds)
            self.statements.setdefault(info.path, _Histogram(STATEMENT_BUCKETS)).observe(
                info.statements
            )

    def exposition(self) -> str:
        lines: list[str] = []
        with self._lock:
            lines += [
                "# HELP meshkit_http_requests_total Requests answered.",
                "# TYPE meshkit_http_requests_total counter",
            ]
            for (path, operation, status), n in sorted(self.requests.items()):
                labels = _labels(path=path, operation=operation, status=str(status))
                lines.append(f"meshkit_http_requests_total{{{labels}}} {n}")
            lines += [
                "# HELP meshkit_http_request_errors_total Requests with errors "
                "(GraphQL errors, or an HTTP status >= 400).",
                "# TYPE meshkit_http_request_errors_total counter",
            ]
            for (path, operation), n in sorted(self.errors.items()):
                labels = _labels(path=path, operation=operation)
                lines.append(f"meshkit_http_request_errors_total{{{labels}}} {n}")
            lines += _histogram(
                "meshkit_http_request_duration_seconds", "Request latency.", self.latency
            )
            lines += _histogram(
                "meshkit_sql_statements_per_request",
                "SQL statements run by one request.",
                self.statements,
            )
            lines += [
                "# HELP meshkit_schema_reloads_total Schema swaps after a model upgrade.",
                "# TYPE meshkit_schema_reloads_total counter",
                f"meshkit_schema_reloads_total {self.schema_reloads}",
            ]
        return "\n".join(lines) + "\n"


def _histogram(name: str, help_: str, per_path: dict[str, _Histogram]) -> list[str]:
    lines = [f"# HELP {name} {help_}", f"# TYPE {name} histogram"]
    for path, histogram in sorted(per_path.items()):
        running = 0
        for bound, n in zip(histogram.buckets, histogram.counts, strict=False):
            running += n
            lines.append(f"{name}_bucket{{{_labels(path=path, le=_number(bound))}}} {running}")
        lines.append(f"{name}_bucket{{{_labels(path=path, le='+Inf')}}} {histogram.count}")
        lines.append(f"{name}_sum{{{_labels(path=path)}}} {_number(histogram.sum)}")
        lines.append(f"{name}_count{{{_labels(path=path)}}} {histogram.count}")
    return lines


def _number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return ",".join(f'{k}="{escape(v)}"' for k, v in labels.items())


class ObserveMiddleware:
    """Request id, access log and metrics for every HTTP request (websockets: log only)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        info = RequestInfo(request_id, scope.get("path", ""))
        token = current_request.set(info)
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            current_request.reset(token)
            seconds = time.perf_counter() - started
            if scope["type"] == "http" and info.path != "/metrics":
                self.metrics.record(info, status, seconds)
            principal = scope.get(SCOPE_KEY)
            access_log.info(
                json.dumps(
                    {
                        "event": "request",
                        "request_id": request_id,
                        "type": scope["type"],
                        "method": scope.get("method"),
                        "path": info.path,
                        "status": status if scope["type"] == "http" else None,
                        "principal": getattr(principal, "actor", None),
                        "tenant": getattr(principal, "tenant", None),
                        "operation": info.operation,
                        "errors": info.errors,
                        "duration_ms": round(seconds * 1000, 2),
                        "statements": info.statements,
                    },
                    sort_keys=True,
                )
            )


__all__ = [
    "Metrics",
    "ObserveMiddleware",
    "RequestInfo",
    "count_statements",
    "current_request",
]
