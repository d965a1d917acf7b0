"""Aggregates under a many-to-many end (a link table): per parent, one statement for all parents
of a level, from both sides of the association, with the row rules of the other class."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from graphql_client import Client, statements
from graphql_secure_world import served
from graphql_world import build_world

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository

PAYMENTS = """{ payments(first: 50, orderBy: [{amount: ASC}]) { nodes {
    amount
    documentsAggregate { count max { issueDate } }
    byState: documentsAggregate(groupBy: [DOCUMENT_STATE]) { key { documentState } count }
    drafts: documentsAggregate(filter: {documentState: {eq: DRAFT}}) { count }
} } }"""

DOCUMENTS = """{ billingDocuments(first: 50, orderBy: [{issueDate: ASC}]) { nodes {
    issueDate
    paymentsAggregate { count sum { amount } }
} } }"""


def _pay(
    repo: Repository, payments: int, documents_each: int, first: int = 0
) -> list[dict[str, Any]]:
    """A row of `payments + documents_each` invoices of one member (every third final) and
    `payments` payments: payment i (amount 100 * first + 10 + i) pays `documents_each`
    invoices from the i-th on, so neighbouring payments share documents."""
    world = build_world(repo, communities=1, members=2, first=first)
    community, member = world.communities[0], world.participants[0]
    with repo.unit_of_work(tenant="t1", actor="seed") as uow:
        invoices = uow.create_many(
            "Invoice",
            [
                {
                    "community": community["id"],
                    "recipient": member["id"],
                    "document_state": "draft",
                    "issue_date": date(2024, 1, 1 + i),
                }
                for i in range(payments + documents_each)
            ],
        )
        for i, invoice in enumerate(invoices):
            if i % 3 == 0:
                uow.update("Invoice", invoice["id"], {"document_state": "final"}, 1)
        paid = uow.create_many(
            "Payment",
            [
                {
                    "amount": f"{100 * first + 10 + i}.00",
                    "method": "sepa_direct_debit",
                    "direction": "incoming",
                    "community": community["id"],
                    "participant": member["id"],
                }
                for i in range(payments)
            ],
        )
        for i, payment in enumerate(paid):
            for invoice in invoices[i : i + documents_each]:
                uow.link("Payment", payment["id"], "documents", invoice["id"], {"amount": "1.00"})
    return paid


def _count(client: Client, repo: Repository, query: str) -> tuple[int, list[dict[str, Any]]]:
    with statements(repo.engine) as seen:
        data = client.data(query)
    (nodes,) = (v["nodes"] for v in data.values())
    return len(seen), nodes


def test_per_parent_through_the_link_table_one_statement_per_field(
    ec: Client, ec_repo: Repository
) -> None:
    _pay(ec_repo, payments=2, documents_each=3)
    few, _ = _count(ec, ec_repo, PAYMENTS)
    _pay(ec_repo, payments=12, documents_each=3, first=1)
    many, nodes = _count(ec, ec_repo, PAYMENTS)
    assert few == many == 4  # the page and one GROUP BY per aggregate field
    assert len(nodes) == 14
    nodes = nodes[2:]  # the second community's payments

    # payment i pays invoices i, i+1, i+2 (2024-01-(i+1) ...); invoices 0, 3, 6, ... are final
    for i, node in enumerate(nodes):
        assert node["amount"] == f"{110 + i}.00"
        assert node["documentsAggregate"] == [
            {"count": 3, "max": {"issueDate": date(2024, 1, 3 + i).isoformat()}}
        ]
        finals = sum(1 for n in range(i, i + 3) if n % 3 == 0)
        assert node["byState"] == [
            {"key": {"documentState": "DRAFT"}, "count": 3 - finals},
            {"key": {"documentState": "FINAL"}, "count": finals},
        ]
        assert node["drafts"] == [{"count": 3 - finals}]


def test_the_other_side_and_parents_without_links(ec: Client, ec_repo: Repository) -> None:
    _pay(ec_repo, payments=3, documents_each=2)  # 5 invoices: paid by 1, 2, 2, 2, 1 payments
    seen, nodes = _count(ec, ec_repo, DOCUMENTS)
    assert seen == 2
    # invoice n is paid by payments n-1 and n (amounts 10 + i)
    expected = [[10], [10, 11], [11, 12], [12], []]
    got = [(n["paymentsAggregate"][0]["count"], n["paymentsAggregate"][0]["sum"]) for n in nodes]
    assert got == [
        (len(amounts), {"amount": f"{sum(amounts)}.00" if amounts else None})
        for amounts in expected
    ]


def test_a_bad_filter_is_located_in_the_arguments(ec: Client, ec_repo: Repository) -> None:
    _pay(ec_repo, payments=1, documents_each=1)
    (error,) = ec.errors(
        '{ billingDocuments { nodes { paymentsAggregate(filter: {amount: {eq: "1.234"}}) '
        "{ count } } } }"
    )
    assert error["path"] == ["billingDocuments", "nodes", 0, "paymentsAggregate"]
    assert error["extensions"]["code"] == "INVALID"
    (field,) = error["extensions"]["fieldErrors"]
    assert (field["code"], field["path"]) == ("scale", ["filter", "amount", "eq"])


def test_a_member_counts_only_the_linked_rows_they_may_read(
    ec_model: CompiledModel, ec_repo: Repository
) -> None:
    query = """{ payments { nodes { id documentsAggregate { count } } }
                 billingDocuments(orderBy: [{issueDate: ASC}]) { nodes { id
                   paymentsAggregate { count sum { amount } } } } }"""
    with served(ec_model, ec_repo) as api:
        ids = api.ids
        with ec_repo.unit_of_work(tenant="t1", actor="seed") as uow:
            # b's payment pays b's invoice, a's final invoice and a's draft
            for document in ("invoice_b", "invoice_a", "draft_a"):
                uow.link("Payment", ids["payment_b"], "documents", ids[document], {"amount": "1"})
        admin = api.data("ada", query)
        bert = api.data("bert", query)
        anna = api.data("anna", query)
    assert admin["payments"]["nodes"] == [
        {"id": ids["payment_b"], "documentsAggregate": [{"count": 3}]}
    ]
    # b reads their payment, but of its documents only their own invoice
    assert bert["payments"]["nodes"] == [
        {"id": ids["payment_b"], "documentsAggregate": [{"count": 1}]}
    ]
    # a reads their final invoice (not the draft), paid by b's payment they may not read
    assert anna["payments"]["nodes"] == []
    assert anna["billingDocuments"]["nodes"] == [
        {"id": ids["invoice_a"], "paymentsAggregate": [{"count": 0, "sum": {"amount": None}}]}
    ]
    by_id = {n["id"]: n["paymentsAggregate"] for n in admin["billingDocuments"]["nodes"]}
    assert by_id[ids["invoice_a"]] == [{"count": 1, "sum": {"amount": "99.00"}}]
    assert Decimal(by_id[ids["invoice_b"]][0]["sum"]["amount"]) == Decimal("99")
