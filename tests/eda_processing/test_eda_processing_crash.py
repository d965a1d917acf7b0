"""SIGKILL the processor mid-batch, restart it: every message is processed exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from eda_processing_support import TENANT, World, daten_crmsg, fake_point

from meshkit.adapters.eda.processing import store_inbound
from meshkit.adapters.eda.processing import tables as t

HERE = Path(__file__).resolve().parent
MESSAGES = 1000
INTERVALS = 4


def _processed(world: World) -> int:
    with world.repository.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(
                    t.work.c.tenant == TENANT, t.work.c.state == "done"
                )
            ).scalar_one()
        )


def _worker(database_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "eda_crash_worker.py"), database_url],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(HERE)},
    )


def test_sigkill_mid_batch_then_restart_processes_each_message_exactly_once(
    world: World, database_url: str
) -> None:
    for number in range(MESSAGES):
        payload = daten_crmsg(f"K{number:06d}", point=fake_point(number), intervals=INTERVALS)
        store_inbound(world.ctx, payload, received_at=datetime(2026, 3, 3, 6, 0, tzinfo=UTC))

    first = _worker(database_url)
    deadline = time.monotonic() + 60
    while _processed(world) < 150 and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    killed_at = _processed(world)
    assert 0 < killed_at < MESSAGES, "the kill did not land mid-batch"

    second = _worker(database_url)
    _out, err = second.communicate(timeout=400)
    assert second.returncode == 0, err[-3000:]

    with world.repository.engine.connect() as connection:
        counts = connection.execute(
            sa.select(t.work.c.processed_count, sa.func.count())
            .where(t.work.c.tenant == TENANT)
            .group_by(t.work.c.processed_count)
        ).all()
        assert dict(counts) == {1: MESSAGES}  # every message exactly once
        states = connection.execute(
            sa.select(t.work.c.state, sa.func.count())
            .where(t.work.c.tenant == TENANT)
            .group_by(t.work.c.state)
        ).all()
        assert dict(states) == {"done": MESSAGES}
        values = connection.execute(
            sa.text("SELECT count(*), count(DISTINCT source) FROM meshkit_series_value")
        ).one()
        assert tuple(values) == (MESSAGES * INTERVALS, MESSAGES)
        history = connection.execute(sa.text("SELECT count(*) FROM meshkit_series_history"))
        assert history.scalar_one() == 0
    with world.ctx.unit_of_work() as uow:
        assert uow.count("EdaProcess") == MESSAGES
        assert (
            uow.count("EdaMessage", {"attr": "status", "op": "eq", "value": "processed"})
            == MESSAGES
        )
