"""Stored payloads parsed for the energy batches, in the main process or in worker processes.

    parser = PayloadParser(ctx, workers=None)  # None: one per CPU beyond two; 0: inline
    parser.prefetch(next_ids)                  # start parsing another chunk meanwhile
    parsed = parser.parsed(ids)                # ParsedPayload per pending message, in order

Parsing (lxml parse, XSD validation, the column-wise reader) is most of the CPU time of
energy ingestion and needs no database, so worker processes can parse the next chunk while the
main process loads the current one into the series store and does its bookkeeping. The main
process reads the payloads (one query per chunk) and sends them to the workers in tasks of a
few dozen; a task comes back as (document, readings) pairs.

Any trouble with a task in a worker (a dead worker, a result that does not pickle) makes the
main process parse that task itself, so the outcome is always the one inline parsing gives:
an unreadable payload is `document=None` and the single path quarantines it with the reason;
a missing XSD folder raises `XsdNotFoundError`. Nothing a worker does touches the database, so
exactly-once is the batch's business as before (it locks the work rows and checks that each
is still pending with the content that was parsed).

The workers are spawned (not forked: the main process holds database connections, and
polars' thread pool does not survive a fork) once per worker count and kept for the life of the
process, like the compiled XSDs; each exits when its parent is gone, also after a SIGKILL. As
with any use of spawn, the main module must be importable without side effects (the
`if __name__ == "__main__":` guard; `python -c` and stdin scripts are not): where a worker
fails, the run goes on parsing in the main process, with a warning in the log.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.processing.context import EdaContext
from meshkit.adapters.eda.processing.fast_record import energy_frames, read_texts
from meshkit.adapters.eda.xml import EdaMessage as Document
from meshkit.adapters.eda.xml import XsdNotFoundError, read_document
from meshkit.runtime.content import content

log = logging.getLogger(__name__)

#: Payloads per task sent to a worker (at most): large enough that pickling and the round trip
#: are small against parsing (~3 ms a point-day message), small enough to spread a chunk.
TASK_SIZE = 25

#: What parsing one payload gives: the document (None: unreadable) and the fast path's readings.
Result = tuple[Document | None, pl.DataFrame | None]


@dataclass(frozen=True)
class ParsedPayload:
    message: str  # EdaMessage id
    content: str  # the content id the payload was read from
    document: Document | None  # None: unreadable (the single path quarantines it)
    readings: pl.DataFrame | None = None  # read by the fast path (then `document` has no EPs)


def default_workers() -> int:
    """One worker per CPU this process may use beyond two (the loading process and the
    database's backend need one each): none on a 2-CPU machine, where bench/eda_ingest.py
    measured a worker slower than parsing inline (it competes for the same CPUs and costs about
    1 CPU-s to spawn and to pickle results)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(0, cpus - 2)


def parse_payload(payload: bytes, *, validate: bool, xsd_dir: Path | None) -> Result:
    """DATEN_CRMSG column-wise (fast_record.py) when it can, else the codec; None for what the
    codec cannot read (the single path reads it again and quarantines it with the reason)."""
    return parse_payloads([payload], validate, xsd_dir)[0]


def parse_payloads(payloads: Sequence[bytes], validate: bool, xsd_dir: Path | None) -> list[Result]:
    """`parse_payload` for each (the unit of work of a worker): the DATEN_CRMSG positions of
    all of them are converted in one polars query (`energy_frames`)."""
    texts = [read_texts(p, xsd_dir=xsd_dir) if validate else None for p in payloads]
    frames = iter(energy_frames([found for found in texts if found is not None]))
    results: list[Result] = []
    for payload, found in zip(payloads, texts, strict=True):
        readings = None if found is None else next(frames)
        if found is not None and readings is not None:
            results.append((found.record, readings))
        else:
            results.append(_codec(payload, validate=validate, xsd_dir=xsd_dir))
    return results


def _codec(payload: bytes, *, validate: bool, xsd_dir: Path | None) -> Result:
    try:
        return read_document(payload, validate=validate, xsd_dir=xsd_dir), None
    except XsdNotFoundError:
        raise
    except Exception:
        return None, None


@dataclass
class _Task:
    messages: list[str]
    contents: list[str]
    payloads: list[bytes]
    future: Future[list[Result]] | None  # None: parse inline when asked
    results: list[Result] | None = None


class PayloadParser:
    """Parses the payloads of pending messages for `process_chunk`, `workers` processes wide."""

    def __init__(self, ctx: EdaContext, workers: int | None = None) -> None:
        if workers is not None and (isinstance(workers, bool) or workers < 0):
            raise ValueError(
                f"parse workers must be 0 (parse in the main process) or more, got {workers!r}"
            )
        self.ctx = ctx
        self.workers = default_workers() if workers is None else workers
        self._tasks: dict[str, tuple[_Task, int]] = {}  # message -> its task, index in it

    def prefetch(self, messages: Sequence[str]) -> None:
        """Read the payloads of the pending ones of `messages` and start parsing them in the
        workers (inline: nothing happens before `parsed`)."""
        if self.workers == 0:
            return
        wanted = [m for m in messages if m not in self._tasks]
        rows = _pending_payloads(self.ctx, wanted)
        size = max(1, min(TASK_SIZE, -(-len(rows) // self.workers)))  # every worker gets some
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            payloads = [payload for _, _, payload in part]
            future = self._submit(payloads)
            task = _Task([m for m, _, _ in part], [c for _, c, _ in part], payloads, future)
            for index, message in enumerate(task.messages):
                self._tasks[message] = (task, index)

    def parsed(self, messages: Sequence[str]) -> list[ParsedPayload]:
        """The parsed payload of every pending one of `messages`, in their order (a message
        no longer pending when its payload was read is left out)."""
        if self.workers == 0:
            rows = _pending_payloads(self.ctx, messages)
            config = self.ctx.config
            results = parse_payloads([p for _, _, p in rows], config.validate, config.xsd_dir)
            pairs = zip(rows, results, strict=True)
            return [ParsedPayload(m, c, *result) for (m, c, _), result in pairs]
        self.prefetch(messages)
        found: list[ParsedPayload] = []
        for message in messages:
            entry = self._tasks.pop(message, None)
            if entry is None:
                continue  # not pending
            task, index = entry
            document, readings = self._results(task)[index]
            found.append(ParsedPayload(message, task.contents[index], document, readings))
        return found

    def _submit(self, payloads: list[bytes]) -> Future[list[Result]] | None:
        """The task's future; None when no pool takes it (it is then parsed here)."""
        config = self.ctx.config
        for _ in range(2 if self.workers else 0):  # a broken pool refuses tasks: a new one, once
            try:
                return _pool(self.workers).submit(
                    parse_payloads, payloads, config.validate, config.xsd_dir
                )
            except BrokenProcessPool:
                _discard_broken_pool(self.workers)
        self.workers = 0
        return None

    def _results(self, task: _Task) -> list[Result]:
        if task.results is None:
            results: list[Result] | None = None
            if task.future is not None:
                try:
                    results = task.future.result()
                except XsdNotFoundError:
                    pass  # parsed here, it raises again: the configuration's fault
                except Exception as exc:
                    log.warning(
                        "a parse worker failed (%s); this run parses in the main process", exc
                    )
                    _discard_broken_pool(self.workers)
                    self.workers = 0  # no pool that fails each task, e.g. at every start
            if results is None:
                # Parsing here gives the inline outcome, whatever went wrong in the worker.
                config = self.ctx.config
                results = parse_payloads(task.payloads, config.validate, config.xsd_dir)
            task.results, task.payloads = results, []  # the bytes are no longer needed
        return task.results


def _pending_payloads(ctx: EdaContext, messages: Sequence[str]) -> list[tuple[str, str, bytes]]:
    """(message, content id, payload) of the pending ones of `messages`, in their order."""
    if not messages:
        return []
    found: dict[str, tuple[str, bytes]] = {}
    with ctx.repository.engine.connect() as connection:
        for start in range(0, len(messages), 1000):
            part = list(messages[start : start + 1000])
            for row in connection.execute(
                sa.select(t.work.c.message, t.work.c.content, content.c.payload)
                .join(
                    content,
                    sa.and_(content.c.tenant == t.work.c.tenant, content.c.id == t.work.c.content),
                )
                .where(
                    t.work.c.tenant == ctx.tenant,
                    t.work.c.message.in_(part),
                    t.work.c.state == "pending",
                )
            ):
                found[str(row.message)] = (str(row.content), bytes(row.payload))
    return [(m, *found[m]) for m in messages if m in found]


# -- the worker processes ----------------------------------------------------------------------

_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_started,
                initargs=(os.getpid(),),
            )
            _pools[workers] = pool
        return pool


def _discard_broken_pool(workers: int) -> None:
    """Forget a pool that lost a worker (the next task starts a new one)."""
    with _pools_lock:
        pool = _pools.get(workers)
        broken = pool is not None and getattr(pool, "_broken", False)
        if broken:
            del _pools[workers]
    if broken and pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _worker_started(parent: int) -> None:
    """In each worker: exit when the main process is gone (a SIGKILL leaves no one to stop
    the pool, and an orphaned worker would wait for tasks forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
