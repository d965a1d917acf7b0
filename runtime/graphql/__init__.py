"""The GraphQL API generated from a compiled model.

    schema = build_schema(model)                 # types, queries, aggregates, mutations
    print(schema.as_str())                       # the SDL
    context = RequestContext(repository, tenant="t1", actor="alice")
    result = schema.execute_sync("{ meteringPoints { totalCount } }", context_value=context)

    app = create_app(model, repository, policy=policy, authenticator=auth,
                     accounts=accounts, sessions=sessions)  # /graphql, /auth/*, /metrics ...

See docs/graphql.md for the API itself: naming, filters, paging, aggregates, mutations, errors,
and how a request stays at one SQL statement per association level.
"""

from meshkit.runtime.graphql._app import ApiSettings, ModelGraphQL, create_app
from meshkit.runtime.graphql._context import (
    ACTOR_HEADER,
    TENANT_HEADER,
    Identity,
    IdentityError,
    RequestContext,
    identify_from_headers,
)
from meshkit.runtime.graphql._limits import Limits
from meshkit.runtime.graphql._names import SchemaBuildError
from meshkit.runtime.graphql._persisted import (
    ManifestError,
    PersistedQueries,
    PersistedQueryError,
    load_manifest,
)
from meshkit.runtime.graphql._schema import ModelSchema, build_schema

__all__ = [
    "ACTOR_HEADER",
    "TENANT_HEADER",
    "ApiSettings",
    "Identity",
    "IdentityError",
    "Limits",
    "ManifestError",
    "ModelGraphQL",
    "ModelSchema",
    "PersistedQueries",
    "PersistedQueryError",
    "RequestContext",
    "SchemaBuildError",
    "build_schema",
    "create_app",
    "identify_from_headers",
    "load_manifest",
]
