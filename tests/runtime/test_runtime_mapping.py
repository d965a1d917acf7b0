"""The storage mapping as the database sees it: tables, columns, keys, indexes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, ValidationError, create_engine, normalise_url
from meshkit.runtime.storage.naming import MAX_IDENTIFIER, shorten, table_name


def _columns(repo: Repository, table: str) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in sa.inspect(repo.engine).get_columns(table)}


def test_one_table_per_collection_root_and_none_for_abstract_classes(repo: Repository) -> None:
    tables = set(sa.inspect(repo.engine).get_table_names())
    model = repo.model
    expected = {table_name(root.qid) for root in model.collection_roots()}
    assert expected <= tables
    # Subclasses share their root's table; collection-less abstract classes get none.
    for cls in model.classes.values():
        if cls.collection_root not in (None, cls.qid):
            assert table_name(cls.qid) not in tables
    assert table_name("system/Entity") not in tables
    assert table_name("system/NamedEntity") not in tables


def test_columns_follow_attribute_types_and_required(repo: Repository) -> None:
    columns = _columns(repo, table_name("rt_grid/MeteringPoint"))
    types = {name: type(c["type"]).__name__.upper() for name, c in columns.items()}
    assert "CHAR" in types["number"]
    assert not columns["number"]["nullable"]
    assert columns["capacity"]["nullable"]
    assert "INT" in types["kind"]  # enums store their stable integer key
    assert "INT" in types["interval"]  # durations are whole seconds
    if repo.engine.dialect.name == "postgresql":
        assert types["capacity"] == "NUMERIC"
        assert types["address"] == "JSONB"
        assert "TIMESTAMP" in types["started_at"]
        assert columns["started_at"]["type"].timezone  # type: ignore[attr-defined]
    else:
        assert types["capacity"] == "BIGINT"  # an exact scaled integer on SQLite
        assert types["address"] == "JSON"
    for system in ("id", "type", "tenant", "version", "state"):
        assert not columns[system]["nullable"]


def test_shared_table_nullability_and_split_columns(repo: Repository) -> None:
    columns = _columns(repo, table_name("rt_grid/Party"))
    assert not columns["name"]["nullable"]  # every Party requires a name
    assert columns["first_name"]["nullable"]  # only Person requires it
    assert columns["vat_id"]["nullable"]  # only Organisation requires it
    # Person.code (text) and Organisation.code (int) cannot share a column.
    assert {"code__person", "code__organisation"} <= set(columns)
    assert "type" in columns


def test_keys_include_the_tenant(repo: Repository) -> None:
    inspector = sa.inspect(repo.engine)
    points = table_name("rt_grid/MeteringPoint")
    assert inspector.get_pk_constraint(points)["constrained_columns"] == ["tenant", "id"]
    fks = {tuple(fk["constrained_columns"]): fk for fk in inspector.get_foreign_keys(points)}
    assert fks[("tenant", "tariff_id")]["referred_table"] == table_name("rt_grid/Tariff")
    assert fks[("tenant", "tariff_id")]["referred_columns"] == ["tenant", "id"]
    assert fks[("tenant", "community_id")]["referred_table"] == table_name("rt_grid/Community")
    columns = _columns(repo, points)
    assert not columns["tariff_id"]["nullable"]  # multiplicity 1
    assert columns["owner_id"]["nullable"]  # multiplicity 0..1
    # The composition's part holds the key to its owner; the owner holds nothing.
    assert "metering_points_id" not in _columns(repo, table_name("rt_grid/Community"))


def test_many_to_many_with_link_attributes_is_a_link_table(repo: Repository) -> None:
    inspector = sa.inspect(repo.engine)
    link = "rt_grid__community__members"
    columns = _columns(repo, link)
    assert {"tenant", "source_id", "target_id", "joined_on", "share"} <= set(columns)
    assert not columns["joined_on"]["nullable"]
    assert inspector.get_pk_constraint(link)["constrained_columns"] == [
        "tenant",
        "source_id",
        "target_id",
    ]
    referred = {fk["referred_table"] for fk in inspector.get_foreign_keys(link)}
    assert referred == {table_name("rt_grid/Community"), table_name("rt_grid/Party")}


def test_unique_indexes_lead_with_the_tenant(repo: Repository) -> None:
    for table in repo.storage.metadata.sorted_tables:
        for index in table.indexes:
            if index.unique:
                assert next(iter(index.columns)).name == "tenant", index.name
        for name in (c.name for c in table.constraints if isinstance(c.name, str)):
            assert len(name) <= MAX_IDENTIFIER


def test_active_only_unique_index_ignores_archived(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        first = uow.create("Community", {"name": "A", "code": "DUP"})
        with pytest.raises(ValidationError) as raised:
            uow.create("Community", {"name": "B", "code": "DUP"})
        assert [(e.code, e.path) for e in raised.value.errors] == [("unique", ("code",))]
        uow.archive("Community", first["id"])
        second = uow.create("Community", {"name": "B", "code": "DUP"})  # archived + active: ok
        assert second["code"] == first["code"]
        # The same code in another tenant never collided in the first place.
    with repo.unit_of_work(tenant="t2", actor="test") as uow:
        uow.create("Community", {"name": "C", "code": "DUP"})


def test_unique_index_of_a_subclass_does_not_bind_its_siblings(repo: Repository) -> None:
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        uow.create("Organisation", {"name": "Org", "vat_id": "ATU1"})
        with pytest.raises(ValidationError) as raised:
            uow.create("Organisation", {"name": "Org 2", "vat_id": "ATU1"})
        assert raised.value.errors[0].path == ("vat_id",)
        uow.create("Person", {"name": "P", "first_name": "Pat"})
        uow.create("Person", {"name": "P", "first_name": "Pat"})


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    # SQLite only: PostgreSQL always enforces foreign keys and has no journal mode.
    engine = create_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_link_rows_need_both_ends_in_the_same_tenant(repo: Repository) -> None:
    # The composite foreign keys refuse cross-tenant rows even if the repository were bypassed.
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        community = uow.create("Community", {"name": "A", "code": "A1"})
    with repo.unit_of_work(tenant="t2", actor="test") as uow:
        person = uow.create("Person", {"name": "P", "first_name": "Pat"})
    link = repo.storage.metadata.tables["rt_grid__community__members"]
    with pytest.raises(sa.exc.IntegrityError), repo.engine.begin() as conn:
        conn.execute(
            link.insert().values(
                tenant="t1",
                source_id=community["id"],
                target_id=person["id"],
                joined_on=date(2024, 1, 1),
            )
        )


def test_long_identifiers_are_shortened_deterministically() -> None:
    long = "energy_community__" + "very_long_class_name_" * 4
    short = shorten(long)
    assert len(short) <= MAX_IDENTIFIER
    assert short == shorten(long)
    assert short != shorten(long + "x")
    assert shorten("short") == "short"


def test_postgresql_urls_are_normalised_to_psycopg() -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg2://u@h/db"):
        assert normalise_url(url).drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.sqlite").drivername == "sqlite"


def test_default_engine_is_a_sqlite_file_in_the_data_folder(
    tmp_path: object, grid_model: CompiledModel
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    engine = create_engine(data_dir=tmp_path / "data")
    Repository(engine, grid_model).create_tables()
    engine.dispose()
    assert (tmp_path / "data" / "meshkit.sqlite").is_file()
