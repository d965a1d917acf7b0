"""GET /content/{id}: a Document's bytes for whoever may read it, through the GraphQL policy.

Runs on SQLite and PostgreSQL (the `world` fixture): members get only their own files, other
tenants' and other members' ids answer exactly like ids that do not exist, hidden content
columns are 403, and the response says what the file is without letting anything cache it.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from auth_world import MODEL_DIR, World

from meshkit.ck import CompiledModel
from meshkit.runtime.auth import LocalAccounts, Policy, SessionTokens, create_auth_tables
from meshkit.runtime.content import CONTENT_PREFIX, create_content_tables, keep_content
from meshkit.runtime.graphql import ApiSettings, create_app
from meshkit.runtime.graphql._content import content_disposition, file_classes

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 for its client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n% a member's contract\n%%EOF\n"
DOCUMENT = "energy_community/Document"

#: The model's policy plus a role that may read documents but not their content.
CLERK_POLICY = (
    (MODEL_DIR / "_policy" / "permissions.yaml").read_text(encoding="utf-8")
    + """
  clerk:
    description: Sees which files exist, not what is in them.
    grants:
      - classes: [Document]
        operations: [read]
        hidden: [content]
"""
)


@dataclass
class Site:
    client: TestClient
    world: World
    docs: dict[str, str]
    tokens: dict[str, str]

    def get(self, doc: str, who: str | None, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.client.get(f"/content/{doc}", headers=headers, params=params)


def _document(uow: Any, community: str, participant: str | None, **values: Any) -> str:
    payload = values.pop("payload", PDF)
    reference = values.pop(
        "content",
        CONTENT_PREFIX + keep_content(uow, payload, datetime.now(UTC), "application/pdf"),
    )
    fields = {
        "kind": "membership_contract",
        "origin": "uploaded",
        "file_name": "contract.pdf",
        "media_type": "application/pdf",
        "content": reference,
        "community": community,
        **({"participant": participant} if participant else {}),
        **values,
    }
    return str(uow.create(DOCUMENT, fields)["id"])


@pytest.fixture
def site(world: World, ec_model: CompiledModel, fast_hasher: PasswordHasher) -> Iterator[Site]:
    repo, ids = world.repo, world.ids
    create_content_tables(repo.engine)
    create_auth_tables(repo.engine)
    docs: dict[str, str] = {}
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        community = ids["community"]
        docs["a"] = _document(uow, community, ids["a"], file_name="Vertrag Müller; 2026.pdf")
        docs["b"] = _document(uow, community, ids["b"], payload=b"%PDF-1.4 B's file")
        docs["community"] = _document(uow, community, None, file_name="Statuten.pdf")
        docs["html"] = _document(
            uow,
            community,
            ids["a"],
            payload=b"<script>alert(1)</script>",
            file_name="note.html",
            media_type="text/html",
        )
        # The PDFs of a draft and of a final invoice of a (a draft is a preview, not issued).
        docs["draft_pdf"] = _document(
            uow, community, ids["a"], billing_document=ids["draft_a"], kind="invoice"
        )
        docs["final_pdf"] = _document(
            uow, community, ids["a"], billing_document=ids["invoice_a"], kind="invoice"
        )
        docs["elsewhere"] = _document(
            uow, community, ids["a"], content="eda-content:0123", file_name="x.xml"
        )
    with repo.unit_of_work(tenant="t2", actor="test") as uow:
        other = uow.find("EnergyCommunity").items[0]["id"]
        docs["t2"] = _document(uow, other, ids["x"])
    accounts = LocalAccounts(repo.engine, hasher=fast_hasher)
    users = {
        "admin": ("t1", ["admin"], None),
        "staff": ("t1", ["staff"], None),
        "clerk": ("t1", ["clerk"], None),
        "a": ("t1", ["member"], ids["a"]),
        "b": ("t1", ["member"], ids["b"]),
        "x": ("t2", ["member"], ids["x"]),
        "admin2": ("t2", ["admin"], None),
    }
    for name, (tenant, roles, participant) in users.items():
        accounts.create(tenant, f"user-{name}", PASSWORD, roles=roles, participant_id=participant)
    sessions = SessionTokens(b"0123456789abcdef0123456789abcdef")
    tokens = {
        name: accounts.login(tenant, f"user-{name}", PASSWORD, sessions).token
        for name, (tenant, _, _) in users.items()
    }
    app = create_app(
        ec_model,
        repo,
        policy=Policy.compile(ec_model, CLERK_POLICY),
        accounts=accounts,
        sessions=sessions,
        settings=ApiSettings(introspection=False, graphiql=False),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Site(client, world, docs, tokens)


def test_the_file_classes_of_the_model_are_document_and_eda_message(
    ec_model: CompiledModel,
) -> None:
    found = {(f.qid, f.attribute) for f in file_classes(ec_model)}
    assert found == {(DOCUMENT, "content"), ("energy_community/EdaMessage", "payload")}


def test_admin_downloads_the_bytes_with_type_name_and_no_caching(site: Site) -> None:
    response = site.get(site.docs["a"], "admin")
    assert response.status_code == 200, response.text
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(PDF))
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''" + quote("Vertrag Müller; 2026.pdf", safe="") in disposition
    assert 'filename="Vertrag M_ller_ 2026.pdf"' in disposition  # ASCII fallback
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_member_gets_their_own_file_and_not_another_members(site: Site) -> None:
    own = site.get(site.docs["a"], "a")
    assert own.status_code == 200 and own.content == PDF
    theirs = site.get(site.docs["b"], "a")
    missing = site.get(str(uuid.uuid4()), "a")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"] == missing.json()["error"] == "not-found"
    # the same answer as for an id that does not exist: only the id differs
    assert theirs.json()["message"].replace(site.docs["b"], "?") == missing.json()[
        "message"
    ].replace(missing.url.path.rsplit("/", 1)[1], "?")
    assert site.get(site.docs["b"], "b").content == b"%PDF-1.4 B's file"


def test_a_member_gets_issued_invoice_pdfs_but_not_previews_of_drafts(site: Site) -> None:
    assert site.get(site.docs["final_pdf"], "a").status_code == 200
    assert site.get(site.docs["draft_pdf"], "a").status_code == 404
    assert site.get(site.docs["draft_pdf"], "admin").status_code == 200


def test_a_member_does_not_get_community_files_without_a_participant(site: Site) -> None:
    assert site.get(site.docs["community"], "a").status_code == 404
    assert site.get(site.docs["community"], "staff").status_code == 200


def test_other_tenants_files_are_not_found_even_for_their_admin(site: Site) -> None:
    assert site.get(site.docs["t2"], "admin").status_code == 404
    assert site.get(site.docs["a"], "admin2").status_code == 404
    assert site.get(site.docs["a"], "x").status_code == 404
    assert site.get(site.docs["t2"], "x").status_code == 200
    assert site.get(site.docs["t2"], "admin2").status_code == 200


def test_staff_read_files_and_a_hidden_content_column_is_forbidden(site: Site) -> None:
    assert site.get(site.docs["b"], "staff").status_code == 200
    hidden = site.get(site.docs["a"], "clerk")
    assert hidden.status_code == 403
    body = hidden.json()
    assert body["code"] == "attribute-hidden" and body["class"] == DOCUMENT
    assert "content" in body["message"]
    assert hidden.headers["cache-control"] == "private, no-store"
    # ... but only for files the clerk may see at all: no probing through the 403
    assert site.get(str(uuid.uuid4()), "clerk").status_code == 404


def test_without_credentials_401_and_with_a_bad_token_401(site: Site) -> None:
    anonymous = site.get(site.docs["a"], None)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "unauthenticated"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    forged = site.client.get(
        f"/content/{site.docs['a']}", headers={"Authorization": "Bearer not-a-token"}
    )
    assert forged.status_code == 401
    assert PDF not in forged.content


def test_a_signed_out_session_cannot_download(site: Site) -> None:
    token = site.tokens["a"]
    out = site.client.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 204
    assert site.get(site.docs["a"], "a").status_code == 401


def test_inline_only_for_safe_types_and_active_content_is_sandboxed(site: Site) -> None:
    pdf = site.get(site.docs["a"], "a", inline="1")
    assert pdf.headers["content-disposition"].startswith("inline; ")
    assert "content-security-policy" not in pdf.headers  # the browser's PDF viewer must run
    html = site.get(site.docs["html"], "a", inline="1")
    assert html.status_code == 200
    assert html.headers["content-disposition"].startswith("attachment; ")
    assert "sandbox" in html.headers["content-security-policy"]
    assert html.headers["x-content-type-options"] == "nosniff"


def test_a_file_without_stored_bytes_is_404_with_a_reason(site: Site) -> None:
    response = site.get(site.docs["elsewhere"], "a")
    assert response.status_code == 404
    assert "no content in the content store" in response.json()["message"]
    # another member does not even learn that much
    other = site.get(site.docs["elsewhere"], "b")
    assert other.status_code == 404 and "content store" not in other.json()["message"]


@pytest.mark.parametrize("bad", ["..%2F..%2Fetc", "x" * 200, "a'b", "%00"])
def test_odd_ids_are_not_found(site: Site, bad: str) -> None:
    response = site.client.get(
        f"/content/{bad}", headers={"Authorization": f"Bearer {site.tokens['admin']}"}
    )
    assert response.status_code == 404


def test_content_disposition_strips_folders_and_control_characters() -> None:
    header = content_disposition('../a\r\n"b".pdf', inline=False)
    assert "\r" not in header and "\n" not in header and "/" not in header.split(";")[1]
    assert header.startswith('attachment; filename="..a_b_.pdf"')
