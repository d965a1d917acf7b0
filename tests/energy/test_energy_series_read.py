"""Reading energy values back (runtime/series, read path): on PostgreSQL the COPY's CSV is parsed
chunk by chunk as it arrives (a year of 1,000 points is 4 GB of CSV) with JIT off for the read;
the result must be the same frame as parsed in one piece, on both databases."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from energy_world import C1, CONS_G01, FIRST, GEN_G01, P1, TENANT, readings
from polars.testing import assert_frame_equal

from meshkit.runtime import Repository
from meshkit.runtime.database import is_postgresql
from meshkit.runtime.series import SeriesStore
from meshkit.runtime.series import store as store_module

DAYS = 3


def year_like(store: SeriesStore, source: str) -> None:
    values = [f"{i % 997 / 1000:.3f}" for i in range(96 * DAYS)]
    store.write_readings(
        readings({(P1, GEN_G01): values, (C1, CONS_G01): values[::-1]}),
        tenant=TENANT,
        source=source,
    )


def read(store: SeriesStore) -> pl.DataFrame:
    return store.read(
        "energy", None, None, FIRST, FIRST + timedelta(days=DAYS), tenant=TENANT, tz="UTC"
    )


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of each CSV piece polars parses."""
    sizes: list[int] = []
    parse = pl.read_csv

    def counted(data: bytes, **options: object) -> pl.DataFrame:
        sizes.append(len(data))
        return parse(data, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.pl, "read_csv", counted)
    return sizes


def test_a_read_parsed_in_chunks_is_the_read_in_one_piece(
    store: SeriesStore, parses: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    year_like(store, "MSG-1")
    whole = read(store)
    monkeypatch.setattr(store_module, "_COPY_OUT_CHUNK_BYTES", 1_000)  # a dozen rows a chunk
    parses.clear()
    chunked = read(store)
    assert chunked.height == 2 * 96 * DAYS
    assert_frame_equal(chunked, whole)
    assert chunked["start"].is_sorted() is False  # two keys, each sorted by start
    assert chunked.filter(pl.col("key").str.ends_with(P1))["start"].is_sorted()
    if is_postgresql(store.engine):
        assert len(parses) > 10 and max(parses) < 2_000


def test_quoted_fields_are_never_cut(
    store: SeriesStore, parses: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A source with a comma and quotes is a quoted CSV field: the chunks are not cut then (a
    # quoted field might hold a line break), and the value comes back as written.
    year_like(store, 'MSG,"2"')
    monkeypatch.setattr(store_module, "_COPY_OUT_CHUNK_BYTES", 1_000)
    frame = read(store)
    assert frame.height == 2 * 96 * DAYS
    assert frame["source"].unique().to_list() == ['MSG,"2"']
    if is_postgresql(store.engine):
        assert len(parses) == 1


def test_the_read_leaves_the_callers_jit_setting_as_it_was(
    repository: Repository, store: SeriesStore
) -> None:
    # SQLite has no JIT: there the read in the caller's transaction must simply work.
    postgresql = is_postgresql(store.engine)
    year_like(store, "MSG-1")
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        if postgresql:
            uow.connection.exec_driver_sql("SET LOCAL jit = on")
        frame = store.read(
            "energy",
            None,
            None,
            FIRST,
            FIRST + timedelta(days=DAYS),
            tenant=TENANT,
            connection=uow.connection,
        )
        assert frame.height == 2 * 96 * DAYS
        if postgresql:
            assert uow.connection.exec_driver_sql("SHOW jit").scalar() == "on"
