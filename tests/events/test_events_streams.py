"""Streams: events after a position, filtered, waiting for new commits — in this process by
wake-up or polling, across processes on PostgreSQL by LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import closing

import pytest

from meshkit.runtime import Event, Repository
from meshkit.runtime.events import PostgresListener

POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.postgres)


def _people(repo: Repository, *names: str, tenant: str = "t1") -> list[str]:
    with repo.unit_of_work(tenant=tenant, actor="alice") as uow:
        return [uow.create("Person", {"name": n})["id"] for n in names]


def test_a_stream_starts_after_a_position_and_filters(repo: Repository) -> None:
    _people(repo, "A", "B")
    with repo.unit_of_work(tenant="t1", actor="alice") as uow:
        community = uow.create("Community", {"name": "S", "code": "S1"})
        uow.update("Community", community["id"], {"score": 5}, 1)
        uow.update("Community", community["id"], {"score": 50}, 2)
    wanted = repo.events.wanted(
        class_ref="Community", tenant="t1", where=lambda e: e.kind == "updated"
    )
    positions = [e.position for e in repo.events.stream(after=0, wanted=wanted, idle_timeout=0)]
    assert positions == [4, 5]
    after_four = repo.events.stream(after=4, wanted=wanted, idle_timeout=0)
    assert [e.position for e in after_four] == [5]


def test_a_stream_in_another_thread_wakes_up_on_commit(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    """On SQLite by this process's commits (or polling); on PostgreSQL by NOTIFY from another
    Repository, that is another connection pool."""
    repo.events.poll_interval = 30  # a wake-up, not a poll, must deliver the events in time
    writer = reopen() if repo.engine.dialect.name == "postgresql" else repo
    received: list[Event] = []
    started = threading.Event()

    def listen() -> None:
        started.set()
        with closing(repo.events.stream(idle_timeout=10)) as stream:
            for event in stream:
                received.append(event)
                if len(received) == 3:
                    break

    thread = threading.Thread(target=listen)
    thread.start()
    started.wait()
    time.sleep(0.2)  # the stream is waiting now
    begun = time.monotonic()
    ids = _people(writer, "A", "B") + _people(writer, "C")
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert [e.entity_id for e in received] == ids
    assert time.monotonic() - begun < 5


def test_an_async_stream_for_subscriptions(repo: Repository) -> None:
    _people(repo, "A")

    async def collect() -> list[Event]:
        got = []
        stream = repo.events.astream(after=0, idle_timeout=5)
        async for event in stream:
            got.append(event)
            if len(got) == 1:
                await asyncio.to_thread(_people, repo, "B")
            if len(got) == 2:
                break
        await stream.aclose()
        return got

    events = asyncio.run(collect())
    assert [e.position for e in events] == [1, 2]


@pytest.mark.parametrize("database_url", [POSTGRESQL], indirect=True)
def test_a_second_connection_listening_is_woken_and_reads_the_events(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    listener = repo.events.wakeup()
    assert isinstance(listener, PostgresListener)
    try:
        assert listener.wait(0.1) is False  # nothing committed yet
        writer = reopen()
        ids = _people(writer, "A", "B")
        assert listener.wait(5) is True  # NOTIFY arrived with the commit
        assert [e.entity_id for e in repo.events.read(after=0)] == ids
        with pytest.raises(RuntimeError), writer.unit_of_work(tenant="t1", actor="x") as uow:
            uow.create("Person", {"name": "never"})
            raise RuntimeError("rolled back")
        assert listener.wait(0.3) is False  # a rolled-back transaction notifies no one
    finally:
        listener.close()


@pytest.mark.parametrize("database_url", [POSTGRESQL], indirect=True)
def test_a_listener_that_missed_notifications_catches_up_by_position(
    repo: Repository, reopen: Callable[[], Repository]
) -> None:
    writer = reopen()
    missed = _people(writer, "A", "B")  # committed while no one listened
    stream = repo.events.stream(after=0, idle_timeout=1)
    assert [e.entity_id for e in stream] == missed


def test_setting_stop_ends_a_waiting_stream_soon(repo: Repository) -> None:
    repo.events.poll_interval = 30
    stop = threading.Event()
    done = threading.Event()

    def listen() -> None:
        for _ in repo.events.stream(stop=stop):
            pass
        done.set()

    thread = threading.Thread(target=listen)
    thread.start()
    time.sleep(0.2)
    stop.set()
    assert done.wait(2)
    thread.join()
