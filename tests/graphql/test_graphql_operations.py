"""Operations: depth and cost limits, the introspection switch, CORS, request ids, JSON access
logs, Prometheus metrics, and following `meshkit db upgrade` without a restart."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.graphql import ApiSettings, create_app
from meshkit.runtime.migrations.snapshot import load_snapshot, snapshot_data
from meshkit.runtime.migrations.versions import record_model

ORIGIN = "https://portal.example.org"


def test_limits_introspection_cors_logs_and_metrics(
    ec_model: CompiledModel, ec_repo: Repository, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ApiSettings(
        dev=True, introspection=False, max_depth=6, max_cost=5000, cors_origins=(ORIGIN,)
    )
    with TestClient(create_app(ec_model, ec_repo, settings=settings)) as http:
        deep = """{ participations { nodes { community {
            participants { nodes { community { name } } } } } } }"""
        error = http.post("/graphql", json={"query": deep}).json()["errors"][0]
        assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
        assert error["extensions"]["max"] == 6
        costly = "{ participants { nodes { participations { nodes { id } } } } }"  # 100 x 100
        error = http.post("/graphql", json={"query": costly}).json()["errors"][0]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        cheap = """query Cheap {
            participants(first: 10) { nodes { participations(first: 5) { nodes { id } } } } }"""
        assert "errors" not in http.post("/graphql", json={"query": cheap}).json()
        intro = http.post("/graphql", json={"query": "{ __schema { types { name } } }"}).json()
        assert "introspection" in intro["errors"][0]["message"].lower()

        preflight = http.options(
            "/graphql",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        other = http.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in other.headers

        with caplog.at_level(logging.INFO, logger="meshkit.graphql.access"):
            response = http.post(
                "/graphql",
                json={"query": cheap, "operationName": "Cheap"},
                headers={"X-Request-Id": "req-42", "X-Meshkit-Actor": "dora"},
            )
        assert response.headers["x-request-id"] == "req-42"
        (line,) = [json.loads(r.getMessage()) for r in caplog.records if "req-42" in r.getMessage()]
        assert line["operation"] == "Cheap"
        assert line["principal"] == "oidc:dora"
        assert line["statements"] >= 1
        assert line["status"] == 200 and line["duration_ms"] > 0

        metrics = http.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = metrics.text
        assert (
            'meshkit_http_requests_total{path="/graphql",operation="Cheap",status="200"} 2' in text
        )
        assert "meshkit_http_request_errors_total{" in text
        assert 'meshkit_http_request_duration_seconds_bucket{path="/graphql",le="+Inf"}' in text
        assert "meshkit_sql_statements_per_request_sum" in text


def test_the_server_follows_a_database_upgrade(
    ec_model: CompiledModel, ec_repo: Repository
) -> None:
    with ec_repo.engine.begin() as connection:
        record_model(connection, ec_model, "r1")
    settings = ApiSettings(dev=True, schema_check_interval=0)
    info = {"query": "{ meshkitInfo { model version } }"}
    with TestClient(create_app(ec_model, ec_repo, settings=settings)) as http:
        before = http.post("/graphql", json=info).json()["data"]["meshkitInfo"]
        assert before == {"model": "energy_community", "version": ec_model.version}
        data = snapshot_data(ec_model)  # the same model, released as 99.0.0
        data["model"]["models"]["energy_community"]["version"] = "99.0.0"
        if "version" in data["model"]:
            data["model"]["version"] = "99.0.0"
        upgraded = load_snapshot(json.dumps(data))
        assert upgraded.version == "99.0.0"
        with ec_repo.engine.begin() as connection:  # what `meshkit db upgrade` records
            record_model(connection, upgraded, "r2")
        after = http.post("/graphql", json=info).json()["data"]["meshkitInfo"]
        assert after == {"model": "energy_community", "version": "99.0.0"}
        assert http.get("/ready").json()["model"] == "energy_community 99.0.0"
        assert "meshkit_schema_reloads_total 1" in http.get("/metrics").text
        count = {"query": "{ participants { totalCount } }"}
        assert http.post("/graphql", json=count).json()["data"]["participants"]["totalCount"] == 0
