"""The energy-community construction kit compiles and says what the domain needs it to say."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from meshkit.ck import (
    AssociationKind,
    Attribute,
    CompiledModel,
    Multiplicity,
    OnDelete,
    TypeKind,
    compile_model,
)
from meshkit.ck.values import check_value

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "energy_community"

# The meter codes of ConsumptionRecord energy data (docs: DOMAIN.md, "Meter codes").
METER_CODES = {
    "1-1:1.9.0 G.01",
    "1-1:1.9.0 G.01T",
    "1-1:2.9.0 G.02",
    "1-1:2.9.0 G.03",
    "1-1:2.9.0 G.03R",
    "1-1:2.9.0 G.01",
    "1-1:2.9.0 G.01T",
    "1-1:2.9.0 P.01",
    "1-1:2.9.0 P.01T",
}
GOOD_METERING_POINT = "AT0030000000000000000000000123456"


@pytest.fixture(scope="module")
def model() -> CompiledModel:
    return compile_model(MODEL_DIR)


def problem(model: CompiledModel, attr: Attribute, value: Any) -> str | None:
    """Why `value` is not valid for `attr` (None when it is), exactly as the compiler checks."""

    def enum_values(qid: str) -> Any:
        enum = model.enums.get(qid)
        return enum.values if enum else None

    return check_value(value, attr.type, attr.constraints, enum_values, model.records.get)


def test_compiles_against_system_with_behaviours_package(model: CompiledModel) -> None:
    info = model.models["energy_community"]
    assert model.root == "energy_community"
    manifest = yaml.safe_load((MODEL_DIR / "model.yaml").read_text())
    assert info.version == manifest["version"]
    assert info.resolved["system"].startswith("1.")
    assert info.behaviours == "meshkit.models.energy_community.behaviours"
    importlib.import_module(info.behaviours)  # the named package exists


def test_metering_point_id_has_exactly_the_33_character_shape(model: CompiledModel) -> None:
    attr = model.cls("MeteringPoint").attributes["metering_point_id"]
    assert attr.required
    assert problem(model, attr, GOOD_METERING_POINT) is None
    assert problem(model, attr, GOOD_METERING_POINT[:-1]) is not None  # 32 characters
    assert problem(model, attr, GOOD_METERING_POINT + "0") is not None  # 34 characters
    assert problem(model, attr, "DE" + GOOD_METERING_POINT[2:]) is not None
    assert problem(model, attr, "AT00300a" + GOOD_METERING_POINT[8:]) is not None  # lower case
    assert problem(model, attr, "ATX03000" + GOOD_METERING_POINT[8:]) is not None  # grid no.
    indexes = model.cls("MeteringPoint").indexes
    assert any(i.attributes == ("metering_point_id",) and i.active_only for i in indexes)


def test_community_identifiers_follow_the_eda_shapes(model: CompiledModel) -> None:
    ec = model.cls("EnergyCommunity")
    community_id = ec.attributes["community_id"]
    assert problem(model, community_id, "AT00300000000RC100130000000000000") is None
    assert problem(model, community_id, "AT00300000000RC10013") is not None
    assert problem(model, ec.attributes["ec_number"], "RC100130") is None
    assert problem(model, ec.attributes["ec_number"], "rc100130") is not None
    assert problem(model, ec.attributes["grid_operator_id"], "AT003000") is None
    assert problem(model, ec.attributes["grid_operator_id"], "RC100130") is not None
    assert ec.attributes["time_zone"].default == "Europe/Vienna"
    kinds = model.enum("CommunityKind").values
    assert set(kinds) == {"eeg_local", "eeg_regional", "beg"}
    # The community's own VAT status excludes regimes only members have.
    attr = model.cls("EnergyCommunity").attributes["vat_status"]
    assert problem(model, attr, "small_business") is None
    assert problem(model, attr, "reverse_charge") is not None
    assert problem(model, attr, "farmers_flat_rate") is not None


def test_invoice_and_credit_note_share_the_billing_document_table(model: CompiledModel) -> None:
    root = model.cls("BillingDocument")
    assert root.abstract
    for name in ("Invoice", "CreditNote"):
        assert model.cls(name).collection_root == root.qid
    members = {c.name for c in model.members_of_collection(root.qid)}
    assert {"Invoice", "CreditNote"} <= members


def test_document_numbers_are_unique_per_community_and_year(model: CompiledModel) -> None:
    for name in ("Invoice", "CreditNote"):
        index = next(i for i in model.cls(name).indexes if "number" in i.attributes)
        assert index.unique
        assert not index.active_only  # an archived document's number is never reused
        assert set(index.attributes) == {"community", "fiscal_year", "number"}


def test_a_cancellation_references_the_document_it_cancels(model: CompiledModel) -> None:
    invoice, credit = model.cls("Invoice"), model.cls("CreditNote")
    for cls in (invoice, credit):
        assert cls.ends["cancels"].multiplicity is Multiplicity.OPTIONAL
        assert cls.ends["cancelled_by"].multiplicity is Multiplicity.OPTIONAL
        assert cls.ends["cancels"].other == model.cls("BillingDocument").qid


def test_members_share_one_table_and_member_numbers_are_unique_per_community(
    model: CompiledModel,
) -> None:
    participant = model.cls("Participant")
    assert participant.abstract
    for name in ("NaturalPerson", "LegalPerson"):
        cls = model.cls(name)
        assert cls.collection_root == participant.qid
        index = next(i for i in cls.indexes if "member_number" in i.attributes)
        assert index.attributes == ("community", "member_number")
        assert index.unique and index.active_only
    assert model.cls("NaturalPerson").attributes["birth_date"].sensitive
    assert "birth_date" not in model.cls("LegalPerson").attributes


def test_a_metering_point_reaches_its_communities_through_participations(
    model: CompiledModel,
) -> None:
    participations = model.cls("MeteringPoint").ends["participations"]
    assert participations.many
    participation = model.cls(participations.other)
    assert participation.ends["community"].other == model.cls("EnergyCommunity").qid
    assert participation.ends["community"].multiplicity is Multiplicity.ONE
    assert participation.ends["metering_point"].multiplicity is Multiplicity.ONE

    factor = participation.attributes["participation_factor"]
    assert factor.type.kind is TypeKind.INT
    assert [problem(model, factor, v) is None for v in (0, 1, 100, 101)] == [
        False,
        True,
        True,
        False,
    ]
    share = participation.attributes["static_share"]
    assert problem(model, share, "33.3333") is None
    assert problem(model, share, "33.33333") is not None  # EDA ECShare has four decimals
    assert {"valid_from", "valid_to", "status", "consent"} <= set(participation.attributes)


def test_a_factor_change_starts_a_new_participation_per_day(model: CompiledModel) -> None:
    index = next(i for i in model.cls("Participation").indexes if "valid_from" in i.attributes)
    assert index.attributes == ("metering_point", "community", "valid_from")
    assert index.unique and index.active_only


def test_energy_series_carries_all_meter_codes_per_quarter_hour(model: CompiledModel) -> None:
    series = model.cls("MeteringPoint").series["energy"]
    assert {c.code for c in series.codes} == METER_CODES
    assert all(c.label.get("de") and c.label.get("en") for c in series.codes)
    assert series.interval_seconds == 15 * 60
    assert series.unit == "kWh"
    assert series.value_type == "decimal"
    assert series.qualities == ("L1", "L2", "L3")


def test_line_item_meter_code_accepts_exactly_the_series_codes(model: CompiledModel) -> None:
    attr = model.cls("LineItem").attributes["meter_code"]
    for code in METER_CODES:
        assert problem(model, attr, code) is None, code
    for code in ("1-1:3.9.0 G.01", "1-1:2.9.0 X.01", "1-1:2.9.0 G.04", "G.03"):
        assert problem(model, attr, code) is not None, code


@pytest.mark.parametrize(
    ("owner", "role", "part"),
    [
        ("EnergyCommunity", "tariffs", "Tariff"),
        ("BillingRun", "documents", "BillingDocument"),
        ("BillingDocument", "line_items", "LineItem"),
        ("EdaProcess", "messages", "EdaMessage"),
    ],
)
def test_owned_parts_are_compositions(
    model: CompiledModel, owner: str, role: str, part: str
) -> None:
    assoc = model.association(f"energy_community/{owner}.{role}")
    assert assoc.kind is AssociationKind.COMPOSITION
    assert assoc.on_delete is OnDelete.CASCADE
    assert assoc.target == model.cls(part).qid


def test_references_to_shared_master_data_refuse_deletion(model: CompiledModel) -> None:
    for qid in (
        "energy_community/Participant.community",
        "energy_community/Participation.metering_point",
        "energy_community/LineItem.metering_point",
        "energy_community/BillingDocument.recipient",
    ):
        assoc = model.association(qid)
        assert assoc.kind is AssociationKind.REFERENCE, qid
        assert assoc.on_delete is OnDelete.REFUSE, qid


def test_eda_message_is_stored_before_it_belongs_to_a_process(model: CompiledModel) -> None:
    message = model.cls("EdaMessage")
    assert message.ends["process"].multiplicity is Multiplicity.OPTIONAL
    assert message.attributes["payload"].type.kind is TypeKind.BINARY
    assert message.attributes["payload"].required
    codes = message.attributes["response_codes"].type
    assert codes.kind is TypeKind.LIST
    assert codes.items is not None and codes.items.kind is TypeKind.INT
    errors = message.attributes["errors"].type
    assert errors.items is not None
    assert set(model.records[errors.items.record or ""].attributes) == {"code", "message", "path"}
    assert problem(model, message.attributes["message_code"], "ANFORDERUNG_ECON") is None
    assert problem(model, message.attributes["message_code"], "anforderung_econ") is not None
    assert any(i.attributes == ("sender_id", "message_id") and i.unique for i in message.indexes)
    process = model.cls("EdaProcess")
    assert any(i.attributes == ("conversation_id",) and i.unique for i in process.indexes)


def test_eda_process_codes_are_labelled_with_the_official_codes(model: CompiledModel) -> None:
    values = model.enum("EdaProcessCode").values
    official = {v.label["en"] for v in values.values()}
    assert official == {
        "EC_REQ_ONL",
        "EC_REQ_OFF",
        "EC_PRTFACT_CHANGE",
        "EC_PRT_CHANGE",
        "EC_PODLIST",
        "CR_MSG",
        "CR_REQ_PT",
        "CM_REV_SP",
        "CM_REV_CUS",
        "CM_REV_IMP",
    }
    assert all(name == v.label["en"].lower() for name, v in values.items())


def test_bank_data_is_sensitive_and_validated(model: CompiledModel) -> None:
    iban = model.record("BankAccount").attributes["iban"]
    assert iban.sensitive
    assert iban.shared == "energy_community/Iban"
    assert problem(model, iban, "AT611904300234573201") is None
    assert problem(model, iban, "AT61 1904 3002 3457 3201") is not None
    assert problem(model, iban, "at611904300234573201") is not None
    account = model.cls("Participant").attributes["bank_account"]
    assert problem(model, account, {"iban": "AT611904300234573201"}) is not None  # no holder
    assert problem(model, account, {"iban": "AT611904300234573201", "holder": "Anna Huber"}) is None


def test_money_is_exact_to_the_cent_and_prices_to_six_places(model: CompiledModel) -> None:
    for cls, name in (
        ("Invoice", "gross_amount"),
        ("LineItem", "net_amount"),
        ("Payment", "amount"),
        ("Tariff", "base_fee"),
    ):
        attr = model.cls(cls).attributes[name]
        assert (attr.type.kind, attr.type.precision, attr.type.scale) == (TypeKind.DECIMAL, 14, 2)
        assert attr.unit == "EUR"
        assert attr.shared == "energy_community/Money"  # one definition of money
        assert problem(model, attr, "12.345") is not None
    price = model.cls("Tariff").attributes["consumption_price"]
    assert (price.type.precision, price.type.scale) == (12, 6)
    assert problem(model, price, "0.123456") is None
    assert problem(model, price, "-0.01") is not None


def test_payments_settle_documents_with_an_amount_per_link(model: CompiledModel) -> None:
    assoc = model.association("energy_community/Payment.documents")
    assert assoc.multiplicity.many and assoc.inverse_multiplicity.many
    amount = assoc.attributes["amount"]
    assert amount.required and amount.unit == "EUR"
    assert model.cls("Invoice").ends["payments"].many


def test_every_class_is_described_and_labelled_in_german_and_english(
    model: CompiledModel,
) -> None:
    own = [c for c in model.classes.values() if c.model == "energy_community"]
    assert len(own) >= 15
    for cls in own:
        assert cls.description, cls.qid
        assert {"de", "en"} <= set(cls.label), cls.qid
    for enum in (e for e in model.enums.values() if e.model == "energy_community"):
        for value in enum.values.values():
            assert {"de", "en"} <= set(value.label), f"{enum.qid}.{value.name}"
