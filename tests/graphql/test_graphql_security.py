"""Authentication and the policy through every GraphQL path: a member sees only their own data
(by id, filters, nested associations, aggregates), staff read everything masked and write
nothing, admins do everything; login, logout, anonymous and dev mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql_secure_world import IBAN_A, PASSWORD, Served, served

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository


@pytest.fixture
def api(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[Served]:
    with served(ec_model, ec_repo) as s:
        yield s


def test_login_logout_and_anonymous(api: Served) -> None:
    http = api.http
    wrong = http.post("/auth/login", json={"username": "anna", "password": "nope nope nope"})
    assert wrong.status_code == 401
    assert wrong.json()["reason"] == "invalid-credentials"
    assert http.post("/auth/login", json={"username": "anna"}).status_code == 400
    login = http.post("/auth/login", json={"username": "Anna", "password": PASSWORD})
    assert login.status_code == 200
    body = login.json()
    assert body["token_type"] == "Bearer" and body["expires_at"].endswith("+00:00")
    token = {"Authorization": f"Bearer {body['token']}"}
    query = {"query": "{ viewer { roles tenant participantId method } }"}
    viewer = http.post("/graphql", json=query, headers=token).json()["data"]["viewer"]
    assert viewer == {
        "roles": ["member"],
        "tenant": "t1",
        "participantId": api.ids["a"],
        "method": "session",
    }

    assert http.post("/auth/logout", headers=token).status_code == 204
    after = http.post("/graphql", json={"query": "{ viewer { subject } }"}, headers=token)
    assert after.status_code == 401
    assert after.json()["reason"] == "token-revoked"
    assert http.post("/auth/logout").status_code == 400  # nothing to sign out

    garbage = http.post(
        "/graphql",
        json={"query": "{ viewer { subject } }"},
        headers={"Authorization": "Bearer garbage"},
    )
    assert garbage.status_code == 401  # a refused credential never falls back to anonymous
    # anonymous: the model info, but no data
    assert api.data(None, "{ meshkitInfo { model } }")["meshkitInfo"]["model"] == "energy_community"
    errors = api.errors(None, "{ participants { totalCount } }")
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    # the dev headers mean nothing here
    dev = http.post(
        "/graphql",
        json={"query": "{ participants { totalCount } }"},
        headers={"X-Meshkit-Tenant": "t1", "X-Meshkit-Roles": "admin"},
    )
    assert dev.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_member_never_reads_another_members_data(api: Served) -> None:
    ids = api.ids
    # by id: null, the same as an id that does not exist
    for field, key in (
        ("naturalPerson", "b"),
        ("participant", "b"),
        ("meteringPoint", "point_b"),
        ("participation", "part_b"),
        ("participation", "shared_b"),
        ("invoice", "invoice_b"),
        ("invoice", "draft_a"),  # their own draft is not theirs to see either
        ("payment", "payment_b"),
        ("naturalPerson", "x"),  # another tenant
    ):
        data = api.data("anna", f'{{ {field}(id: "{ids[key]}") {{ id }} }}')
        assert data[field] is None, (field, key)
    own = api.data(
        "anna",
        f'{{ naturalPerson(id: "{ids["a"]}") {{ firstName birthDate bankAccount {{ iban }} }} }}',
    )
    assert own["naturalPerson"] == {
        "firstName": "A",
        "birthDate": "1980-05-17",
        "bankAccount": {"iban": IBAN_A},
    }

    # connections and filters
    data = api.data(
        "anna",
        f"""{{
          participants {{ totalCount nodes {{ id }} }}
          byId: participants(filter: {{id: {{eq: "{ids["b"]}"}}}}) {{ totalCount }}
          meteringPoints(orderBy: [{{meteringPointId: ASC}}]) {{ totalCount nodes {{ id }} }}
          viaB: meteringPoints(filter: {{participations: {{some: {{
            participantId: {{eq: "{ids["b"]}"}}}}}}}}) {{ totalCount }}
          participations {{ totalCount }}
          invoices {{ totalCount nodes {{ id }} }}
          payments {{ totalCount }}
        }}""",
    )
    assert data["participants"] == {"totalCount": 1, "nodes": [{"id": ids["a"]}]}
    assert data["byId"]["totalCount"] == 0
    assert {n["id"] for n in data["meteringPoints"]["nodes"]} == {ids["point_a"], ids["shared"]}
    assert data["viaB"]["totalCount"] == 0
    assert data["participations"]["totalCount"] == 2
    assert data["invoices"] == {"totalCount": 1, "nodes": [{"id": ids["invoice_a"]}]}
    assert data["payments"]["totalCount"] == 0

    # nested associations: a readable parent never makes its children readable
    data = api.data(
        "anna",
        f"""{{
          meteringPoint(id: "{ids["shared"]}") {{
            participations {{ totalCount nodes {{ id participant {{ id }} }} }}
          }}
          energyCommunities {{ nodes {{
            participants {{ totalCount nodes {{ id }} }}
            participations {{ totalCount }}
            payments {{ totalCount }}
          }} }}
          participation(id: "{ids["shared_a"]}") {{
            meteringPoint {{ participations {{ totalCount }} }} }}
        }}""",
    )
    shared = data["meteringPoint"]["participations"]
    assert shared["totalCount"] == 1
    assert shared["nodes"] == [{"id": ids["shared_a"], "participant": {"id": ids["a"]}}]
    (community,) = data["energyCommunities"]["nodes"]
    assert community["participants"] == {"totalCount": 1, "nodes": [{"id": ids["a"]}]}
    assert community["participations"]["totalCount"] == 2
    assert community["payments"]["totalCount"] == 0
    assert data["participation"]["meteringPoint"]["participations"]["totalCount"] == 1

    # aggregates
    data = api.data(
        "anna",
        """{ participationsAggregate { count }
             invoicesAggregate { count }
             paymentsAggregate { count } }""",
    )
    assert data["participationsAggregate"][0]["count"] == 2
    assert data["invoicesAggregate"][0]["count"] == 1
    assert data["paymentsAggregate"][0]["count"] == 0
    grouped = api.data(
        "anna",
        "{ participationsAggregate(groupBy: [PARTICIPANT]) { count key { participant { id } } } }",
    )
    assert grouped["participationsAggregate"] == [
        {"count": 2, "key": {"participant": {"id": ids["a"]}}}
    ]


def test_staff_read_everything_masked_and_write_nothing(api: Served) -> None:
    ids = api.ids
    data = api.data(
        "sam",
        f"""{{
          participants {{ totalCount }}
          naturalPerson(id: "{ids["a"]}") {{ firstName birthDate bankAccount {{ iban holder }} }}
          payments {{ totalCount }}
          other: naturalPerson(id: "{ids["x"]}") {{ id }}
        }}""",
    )
    assert data["participants"]["totalCount"] == 3
    person = data["naturalPerson"]
    assert person["firstName"] == "A"
    assert person["birthDate"] is None  # sensitive, not text: left out
    assert person["bankAccount"] == {"iban": "AT61 **** **** **** 3201", "holder": "A Huber"}
    assert data["payments"]["totalCount"] == 1
    assert data["other"] is None  # another tenant
    hidden = api.errors(
        "sam", "{ naturalPersons(filter: {birthDate: {isNull: false}}) { totalCount } }"
    )
    assert hidden[0]["extensions"]["code"] == "FORBIDDEN"
    assert hidden[0]["extensions"]["reason"] == "attribute-hidden"
    sorted_ = api.errors("sam", "{ naturalPersons(orderBy: [{birthDate: ASC}]) { totalCount } }")
    assert sorted_[0]["extensions"]["reason"] == "attribute-hidden"
    write = api.errors(
        "sam",
        f"""mutation {{ updateNaturalPerson(id: "{ids["a"]}", expectedVersion: 1,
                                            input: {{phone: "1"}}) {{ id }} }}""",
    )
    assert write[0]["extensions"]["code"] == "FORBIDDEN"


def test_members_write_only_what_is_theirs_and_admins_everything(api: Served) -> None:
    ids = api.ids
    update = """mutation($id: ID!, $input: NaturalPersonUpdateInput!) {
        updateNaturalPerson(id: $id, expectedVersion: 1, input: $input) { email memberNumber } }"""
    own = api.data("anna", update, id=ids["a"], input={"email": "anna@example.org"})
    assert own["updateNaturalPerson"] == {"email": "anna@example.org", "memberNumber": "M-A"}
    other = api.errors("anna", update, id=ids["b"], input={"email": "evil@example.org"})
    assert other[0]["extensions"]["code"] == "NOT_FOUND"
    field = api.errors("anna", update, id=ids["a"], input={"memberNumber": "M-1"})
    assert field[0]["extensions"]["reason"] == "attribute-hidden"
    erase = api.errors(
        "anna", f'mutation {{ erasePayment(id: "{ids["payment_b"]}") {{ erasedIds }} }}'
    )
    assert erase[0]["extensions"]["code"] in ("NOT_FOUND", "FORBIDDEN")

    admin = api.data(
        "ada",
        f"""{{ naturalPerson(id: "{ids["b"]}") {{ birthDate bankAccount {{ iban }} }}
              participants {{ totalCount }} }}""",
    )
    assert admin["naturalPerson"]["birthDate"] == "1980-05-17"
    assert admin["naturalPerson"]["bankAccount"]["iban"] == "AT483200000012345864"
    assert admin["participants"]["totalCount"] == 3
    changed = api.data("ada", update, id=ids["b"], input={"memberNumber": "M-B2"})
    assert changed["updateNaturalPerson"]["memberNumber"] == "M-B2"
