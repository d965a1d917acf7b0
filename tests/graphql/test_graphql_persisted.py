"""Persisted queries: a query known by its SHA-256 (learned from clients or from a manifest),
and with `only` nothing but the manifest's queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from meshkit.apps.cli import app as cli
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.graphql import (
    ApiSettings,
    ManifestError,
    PersistedQueries,
    PersistedQueryError,
    create_app,
    load_manifest,
)
from meshkit.runtime.graphql._persisted import sha256

COUNT = "{ energyCommunities { totalCount } }"
NAMES = "{ energyCommunities { nodes { name } } }"


def _ask(digest: str, version: int = 1) -> dict[str, object]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def _code(error: pytest.ExceptionInfo[PersistedQueryError]) -> object:
    return (error.value.extensions or {}).get("code")


def test_a_query_is_learned_once_and_then_known_by_its_hash() -> None:
    known = PersistedQueries()
    digest = sha256(COUNT)
    with pytest.raises(PersistedQueryError) as missing:
        known.resolve(None, _ask(digest))
    assert str(missing.value) == "PersistedQueryNotFound"
    assert _code(missing) == "PERSISTED_QUERY_NOT_FOUND"
    assert known.resolve(COUNT, _ask(digest.upper())) == COUNT
    assert known.resolve(None, _ask(digest)) == COUNT
    assert known.resolve(NAMES, None) == NAMES  # a plain request is not learned
    with pytest.raises(PersistedQueryError):
        known.resolve(None, _ask(sha256(NAMES)))


def test_what_is_refused() -> None:
    known = PersistedQueries()
    with pytest.raises(PersistedQueryError) as mismatch:
        known.resolve(COUNT, _ask(sha256(NAMES)))
    assert _code(mismatch) == "PERSISTED_QUERY_HASH_MISMATCH"
    with pytest.raises(PersistedQueryError) as version:
        known.resolve(COUNT, _ask(sha256(COUNT), version=2))
    assert _code(version) == "PERSISTED_QUERY_NOT_SUPPORTED"
    with pytest.raises(PersistedQueryError) as malformed:
        known.resolve(None, _ask("abc"))
    assert _code(malformed) == "BAD_REQUEST"


def test_the_most_recently_used_are_kept() -> None:
    known = PersistedQueries(capacity=2)
    queries = [f"{{ q{i}: energyCommunities {{ totalCount }} }}" for i in range(3)]
    for query in queries[:2]:
        known.resolve(query, _ask(sha256(query)))
    known.resolve(None, _ask(sha256(queries[0])))  # used: stays
    known.resolve(queries[2], _ask(sha256(queries[2])))
    assert known.resolve(None, _ask(sha256(queries[0]))) == queries[0]
    with pytest.raises(PersistedQueryError):
        known.resolve(None, _ask(sha256(queries[1])))


def test_only_the_manifests_queries(tmp_path: Path) -> None:
    known = PersistedQueries({sha256(COUNT): COUNT}, only=True)
    assert known.resolve(None, _ask(sha256(COUNT))) == COUNT
    assert known.resolve(COUNT, None) == COUNT  # its text, without the hash: the same query
    for query, extensions in ((NAMES, None), (NAMES, _ask(sha256(NAMES)))):
        with pytest.raises(PersistedQueryError) as refused:
            known.resolve(query, extensions)
        assert _code(refused) == "PERSISTED_QUERY_NOT_ALLOWED"
    with pytest.raises(ValueError, match="manifest"):
        PersistedQueries(only=True)


def test_manifests_and_their_mistakes(tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([COUNT, NAMES]))
    assert load_manifest(listed) == {sha256(COUNT): COUNT, sha256(NAMES): NAMES}
    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({sha256(COUNT): COUNT}))
    assert load_manifest(keyed) == {sha256(COUNT): COUNT}
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({sha256(NAMES): COUNT}))
    with pytest.raises(ManifestError, match=rf"wrong.json: entry {sha256(NAMES)}: the hash"):
        load_manifest(wrong)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ManifestError, match=r"broken\.json: not JSON"):
        load_manifest(broken)
    with pytest.raises(ManifestError, match=r"list\.json: entry 1: the query must be"):
        listed.write_text(json.dumps([COUNT, 3]))
        load_manifest(listed)
    with pytest.raises(ManifestError, match="cannot read"):
        load_manifest(tmp_path / "missing.json")


# ====================================================================== over HTTP
@pytest.fixture
def http(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[TestClient]:
    app = create_app(ec_model, ec_repo, settings=ApiSettings(dev=True))
    with TestClient(app) as client:
        yield client


def test_apq_over_post_and_get(http: TestClient) -> None:
    digest = sha256(COUNT)
    first = http.post("/graphql", json={"extensions": _ask(digest)})
    assert first.status_code == 200
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    full = http.post("/graphql", json={"query": COUNT, "extensions": _ask(digest)})
    assert full.json() == {"data": {"energyCommunities": {"totalCount": 0}}}
    short = http.get(
        "/graphql",
        params={"extensions": json.dumps(_ask(digest))},
        headers={"Accept": "application/json"},
    )
    assert short.status_code == 200
    assert short.json() == {"data": {"energyCommunities": {"totalCount": 0}}}


def test_a_server_of_persisted_queries_only(ec_model: CompiledModel, ec_repo: Repository) -> None:
    known = PersistedQueries({sha256(COUNT): COUNT}, only=True)
    app = create_app(ec_model, ec_repo, settings=ApiSettings(dev=True, persisted_queries=known))
    with TestClient(app) as http:
        allowed = http.post("/graphql", json={"extensions": _ask(sha256(COUNT))})
        assert allowed.json() == {"data": {"energyCommunities": {"totalCount": 0}}}
        refused = http.post("/graphql", json={"query": NAMES})
        assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        assert "data" not in refused.json() or refused.json()["data"] is None


def test_serve_checks_its_persisted_query_options(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    alone = runner.invoke(cli, ["serve", "--dev", "-d", url, "--persisted-only"])
    assert alone.exit_code == 2
    assert "--persisted-only needs --persisted-queries" in " ".join(alone.output.split())
    broken = tmp_path / "manifest.json"
    broken.write_text("[1]")
    bad = runner.invoke(cli, ["serve", "--dev", "-d", url, "--persisted-queries", str(broken)])
    assert bad.exit_code == 1
    assert "entry 0: the query must be a non-empty string" in " ".join(bad.output.split())
