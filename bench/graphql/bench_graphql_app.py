"""The meshkit side of bench/graphql/run.py: the served API over one PostgreSQL schema.

    MESHKIT_BENCH_URL=postgresql://... MESHKIT_BENCH_SCHEMA=bench_graphql_x \
        .venv/bin/python -m uvicorn --factory --app-dir bench/graphql bench_graphql_app:app

As `meshkit serve` builds it: the energy_community model, its policy (permissions.yaml)
applied to every resolver, limits, metrics and access logs. Identity comes from dev-mode headers
(`X-Meshkit-Tenant`, admin role), so no token check is measured — PostGraphile gets none either.
`freeze_gc` as a server process should have it (docs/graphql.md, "Performance").
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from meshkit.ck import compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth import Policy
from meshkit.runtime.graphql import ApiSettings, create_app

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"


def app() -> Starlette:
    model = compile_model(MODELS / "energy_community", library_paths=[MODELS])
    engine = create_engine(
        os.environ["MESHKIT_BENCH_URL"],
        schema=os.environ["MESHKIT_BENCH_SCHEMA"],
        pool_size=16,
        max_overflow=0,
    )
    policy_file = MODELS / "energy_community" / "_policy" / "permissions.yaml"
    return create_app(
        model,
        Repository(engine, model),
        policy=Policy.compile(model, policy_file),
        settings=ApiSettings(dev=True, graphiql=False, introspection=False, freeze_gc=True),
    )
