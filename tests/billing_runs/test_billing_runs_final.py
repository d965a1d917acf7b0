"""Final runs: gapless numbers (also when two runs race), immutable documents, cancellation,
the state machine, stored PDFs and the run's SEPA files."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from billing_world import APRIL, ISSUED, MARCH, call, world
from energy_world import TENANT

from meshkit.models.energy_community.behaviours.billing import document_pdf, file_bytes
from meshkit.runtime import Repository, RepositoryError


def numbers(repository: Repository) -> list[str]:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return sorted(
            d["number"] for d in uow.find("BillingDocument", None, first=500).items if d["number"]
        )


def test_final_run_numbers_gapless_and_stores_pdfs(repository: Repository) -> None:
    w = world(repository)
    call(repository, w.community, "bill", period=MARCH)
    result = call(repository, w.community, "bill", period=MARCH, kind="final", issue_date=ISSUED)
    assert sorted(d.number or "" for d in result.documents) == ["G-2026-000001", "R-2026-000001"]
    again = call(repository, w.community, "bill", period=APRIL, kind="final", issue_date=ISSUED)
    # April has no energy data: both members owe the base fee
    assert {d.number for d in again.documents} == {"R-2026-000002", "R-2026-000003"}
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        # the preview of March is kept beside the final run; drafts have no number
        assert uow.count("BillingRun") == 3
        pdf = document_pdf(uow, result.documents[0].id)
        assert pdf.startswith(b"%PDF")
        stored = uow.get("Document", result.documents[0].file or "")
        assert stored["size_bytes"] == len(pdf) and stored["kind"] in ("invoice", "credit_note")
    with pytest.raises(RepositoryError, match="billed final already"):
        call(repository, w.community, "bill", period=MARCH, kind="final")


def test_final_documents_are_immutable(repository: Repository) -> None:
    w = world(repository)
    result = call(repository, w.community, "bill", period=MARCH, kind="final", issue_date=ISSUED)
    doc_id = result.documents[0].id
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        doc = uow.get("BillingDocument", doc_id)
        with pytest.raises(RepositoryError, match="never changed") as refused:
            uow.update(doc["type"], doc_id, {"vat_note": "edited"}, doc["version"])
        assert refused.value.code == "document-final"
        with pytest.raises(RepositoryError, match="never changed"):
            uow.erase("BillingDocument", doc_id)
        line = uow.find("LineItem", {"attr": "document", "op": "eq", "value": doc_id}).items[0]
        with pytest.raises(RepositoryError, match="never changed"):
            uow.update("LineItem", line["id"], {"text": "edited"}, line["version"])
        with pytest.raises(RepositoryError, match="never changed"):
            uow.erase("Document", result.documents[0].file or "")
        with pytest.raises(RepositoryError, match="final"):
            uow.erase("BillingRun", result.run)


def test_state_transitions_and_cancel(repository: Repository) -> None:
    w = world(repository)
    result = call(repository, w.community, "bill", period=MARCH, kind="final", issue_date=ISSUED)
    invoice = next(d for d in result.documents if d.kind == "invoice")
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        doc = uow.get("BillingDocument", invoice.id)
        with pytest.raises(RepositoryError, match="cannot go from final to draft"):
            uow.update(doc["type"], doc["id"], {"document_state": "draft"}, doc["version"])
        doc = uow.update(doc["type"], doc["id"], {"document_state": "sent"}, doc["version"])
        with pytest.raises(RepositoryError, match="cannot go from sent to final"):
            uow.update(doc["type"], doc["id"], {"document_state": "final"}, doc["version"])
    cancelled = call(repository, w.community, "cancel", document=invoice.id, issue_date=ISSUED)
    assert cancelled.number == "G-2026-000002"  # a credit note cancels an invoice
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        assert uow.get("BillingDocument", invoice.id)["document_state"] == "cancelled"
        reversal = uow.get("BillingDocument", cancelled.cancellation)
        assert reversal["type"] == "energy_community/CreditNote"
        assert reversal["gross_amount"] == -invoice.gross
        assert reversal["cancels"] == invoice.id
        assert file_bytes(uow, cancelled.file or "").startswith(b"%PDF")
    with pytest.raises(RepositoryError, match=r"already|only final"):
        call(repository, w.community, "cancel", document=invoice.id)
    with pytest.raises(RepositoryError, match="cancellation cannot be cancelled"):
        call(repository, w.community, "cancel", document=cancelled.cancellation)


def test_cancelling_a_draft_is_refused(repository: Repository) -> None:
    w = world(repository)
    preview = call(repository, w.community, "bill", period=MARCH)
    with pytest.raises(RepositoryError, match="draft"):
        call(repository, w.community, "cancel", document=preview.documents[0].id)


def test_sepa_files_of_a_final_run(repository: Repository) -> None:
    w = world(repository)
    result = call(repository, w.community, "bill", period=MARCH, kind="final", issue_date=ISSUED)
    sepa = call(repository, w.community, "sepa", run=result.run, collection_date=date(2026, 4, 20))
    assert len(sepa.files) == 2 and len(sepa.numbers) == 2
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        kinds = {uow.get("Document", f)["kind"]: file_bytes(uow, f) for f in sepa.files}
    assert b"pain.008" in kinds["sepa_direct_debit_file"]
    assert b"pain.001" in kinds["sepa_credit_transfer_file"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_final_runs_racing_take_gapless_unique_numbers(repository: Repository) -> None:
    w = world(repository)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(period: date) -> None:
        try:
            with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
                barrier.wait(timeout=10)
                uow.call(
                    "EnergyCommunity",
                    w.community,
                    "bill",
                    period=period,
                    kind="final",
                    issue_date=ISSUED,
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in (MARCH, APRIL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert numbers(repository) == [
        "G-2026-000001",
        "R-2026-000001",
        "R-2026-000002",
        "R-2026-000003",
    ]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_final_runs_of_one_period_racing_issue_one_set_of_documents(
    repository: Repository,
) -> None:
    w = world(repository)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    done: list[int] = []

    def run() -> None:
        try:
            with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
                barrier.wait(timeout=10)
                result = uow.call(
                    "EnergyCommunity",
                    w.community,
                    "bill",
                    period=MARCH,
                    kind="final",
                    issue_date=ISSUED,
                )
                done.append(len(result.documents))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert done == [2]
    assert len(errors) == 1 and "billed final already" in str(errors[0])
    assert numbers(repository) == ["G-2026-000001", "R-2026-000001"]
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        runs = uow.find("BillingRun", {"attr": "kind", "op": "eq", "value": "final"}).items
        assert len(runs) == 1


def test_stored_pdfs_of_a_final_run_carry_the_chart_and_points(repository: Repository) -> None:
    import base64
    import re
    import zlib

    w = world(repository)
    result = call(repository, w.community, "bill", period=MARCH, kind="final", issue_date=ISSUED)
    invoice = next(d for d in result.documents if d.kind == "invoice")
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        pdf = document_pdf(uow, invoice.id)
    # reportlab's page streams: ASCII85, then Flate
    content = b"".join(
        zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
        if stream.strip().endswith(b"~>")
    )
    assert b"Energie im Zeitraum" in content and b"(aus/an Gemeinschaft) Tj" in content
    assert b"AT0030000000000000000000000000C01" in content  # the member's metering point
