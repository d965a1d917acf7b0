"""Preview runs: documents from series data, stored as drafts; a new preview replaces the old."""

from __future__ import annotations

from decimal import Decimal

from billing_world import MARCH, call, world
from energy_world import TENANT

from meshkit.runtime import Repository


def test_preview_bills_the_series_data_and_stores_drafts(repository: Repository) -> None:
    w = world(repository)
    result = call(repository, w.community, "bill", period=MARCH)
    assert result.kind == "preview" and len(result.documents) == 2
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        run = uow.get("BillingRun", result.run)
        assert run["run_state"] == "completed" and run["document_count"] == 2
        docs = {d.recipient: uow.get("BillingDocument", d.id) for d in result.documents}
        m1 = docs[w.participants["M1"]]
        assert m1["type"] == "energy_community/Invoice"
        assert m1["document_state"] == "draft" and m1["number"] is None
        lines = uow.find("LineItem", {"attr": "document", "op": "eq", "value": m1["id"]}).items
        energy = [line for line in lines if line["kind"] == "community_energy"]
        assert [line["quantity"] for line in energy] == [Decimal("3.5")]
        assert m1["gross_amount"] == sum((line["gross_amount"] for line in lines), Decimal(0))
        # M2 consumes 0.75 kWh (× 0.12) and gives 58.25 kWh (× 0.08) to the community.
        m2 = docs[w.participants["M2"]]
        m2_lines = uow.find("LineItem", {"attr": "document", "op": "eq", "value": m2["id"]}).items
        assert {line["kind"]: line["quantity"] for line in m2_lines}["fed_in_energy"] == Decimal(
            "58.25"
        )


def test_a_new_preview_replaces_the_previous_one(repository: Repository) -> None:
    w = world(repository)
    first = call(repository, w.community, "bill", period=MARCH)
    second = call(repository, w.community, "bill", period=MARCH, basis="operator")
    assert second.replaced == 1
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        runs = uow.find("BillingRun", {"attr": "community", "op": "eq", "value": w.community})
        assert [r["id"] for r in runs.items] == [second.run]
        assert uow.count("BillingDocument") == 2
        assert not uow.find(
            "BillingDocument", {"attr": "id", "op": "eq", "value": first.documents[0].id}
        ).items
