"""Policy files: checked against the schema and the model, every problem located (file:line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from auth_world import MODEL_DIR

from meshkit.ck import CompiledModel
from meshkit.runtime.auth import Policy, PolicyError, Principal
from meshkit.runtime.auth.masking import mask_text

MEMBER = Principal("m", "t1", frozenset({"member"}), participant_id="p-1")


def problems(model: CompiledModel, text: str) -> list[str]:
    with pytest.raises(PolicyError) as error:
        Policy.compile(model, text, name="perm.yaml")
    return [str(d) for d in error.value.diagnostics]


HEADER = "policy: 1\nmodel: energy_community\nroles:\n"


def test_the_energy_community_policy_compiles_and_stays_out_of_the_model(
    ec_model: CompiledModel, ec_policy: Policy
) -> None:
    assert set(ec_policy.roles) == {"admin", "staff", "member"}
    assert not any("_policy" in f for f in ec_model.models["energy_community"].files)
    where = ec_policy.row_filter(MEMBER, "MeteringPoint", "read")
    assert where == {
        "attr": "participations",
        "op": "some",
        "where": {"attr": "participant", "op": "eq", "value": "p-1"},
    }


def test_schema_problems_are_located(ec_model: CompiledModel) -> None:
    found = problems(
        ec_model,
        HEADER
        + "  member:\n"
        + "    grants:\n"
        + "      - classes: [Participant]\n"
        + "        operations: [read, delete]\n"
        + "        rowz: {attr: id}\n",
    )
    assert "perm.yaml:7:28: error[schema] roles.member.grants[0].operations[1]:" in found[0]
    assert "unknown operation 'delete'" in found[0]
    assert found[1].startswith("perm.yaml:8:9: error[schema]")
    assert "unknown key 'rowz' (did you mean 'rows'?)" in found[1]


def test_unknown_classes_attributes_and_paths_are_located(ec_model: CompiledModel) -> None:
    found = problems(
        ec_model,
        HEADER
        + "  member:\n"
        + "    grants:\n"
        + "      - classes: [MeteringPiont]\n"
        + "        operations: [read]\n"
        + "      - classes: [MeteringPoint]\n"
        + "        operations: [read]\n"
        + "        rows: {attr: participant.id, op: eq, value: $principal.participant_id}\n"
        + "      - classes: [Participant]\n"
        + "        operations: [read]\n"
        + "        hidden: [iban]\n"
        + "        rows: {attr: id, value: $principal.participant}\n"
        + "      - classes: [Participation]\n"
        + "        operations: [read]\n"
        + "        rows: {attr: metering_point.participations, op: some}\n",
    )
    text = "\n".join(found)
    assert "perm.yaml:6:19: error[class]" in text and "did you mean 'MeteringPoint'" in text
    assert "perm.yaml:10:22: error[path]" in text and "no to-one association end" in text
    assert "perm.yaml:13:18: error[attribute]" in text and "has no attribute or end 'iban'" in text
    assert "perm.yaml:14:33: error[template]" in text and "$principal.participant'" in text
    assert "perm.yaml:17:22: error[path]" in text and "no to-many association end" in text
    assert len(found) == 5


def test_semantic_rules(ec_model: CompiledModel) -> None:
    text = "\n".join(
        problems(
            ec_model,
            "policy: 1\nmodel: other_model\nroles:\n"
            + "  x:\n"
            + "    grants:\n"
            + "      - classes: '*'\n"
            + "        operations: [read]\n"
            + "        rows: {attr: id, value: $principal.subject}\n"
            + "      - classes: [Participant]\n"
            + "        operations: [read]\n"
            + "        writable: [email]\n"
            + "      - classes: [NaturalPerson]\n"
            + "        operations: [read]\n"
            + "        rows: {attr: first_name, value: Anna}\n",
        )
    )
    assert "perm.yaml:2:8: error[model]" in text
    assert "perm.yaml:8:15: error[rows]" in text and "explicit classes" in text
    assert "perm.yaml:11:19: error[writable]" in text
    # A rule on a subclass must also work in a query of its abstract collection root.
    assert "perm.yaml:14:22: error[path]" in text and "in a query of Participant" in text


def test_yaml_syntax_errors_are_located(ec_model: CompiledModel, tmp_path: Path) -> None:
    path = tmp_path / "permissions.yaml"
    path.write_text(HEADER + "  admin:\n    grants: [\n")
    with pytest.raises(PolicyError) as error:
        Policy.compile(ec_model, path, name="permissions.yaml")
    assert str(error.value.diagnostics[0]).startswith("permissions.yaml:")
    assert error.value.diagnostics[0].code == "yaml-syntax"


def test_columns_and_masks(ec_policy: Policy) -> None:
    staff = Principal("s", "t1", frozenset({"staff"}))
    assert "birth_date" not in ec_policy.visible_attributes(staff, "NaturalPerson")
    assert "bank_account" in ec_policy.masked_attributes(staff, "Participant")
    assert "payload" not in ec_policy.visible_attributes(staff, "EdaMessage")
    assert "birth_date" in ec_policy.visible_attributes(MEMBER, "NaturalPerson")
    assert "bank_account" not in ec_policy.visible_attributes(MEMBER, "EnergyCommunity")
    writable = ec_policy.writable_attributes(MEMBER, "Participant", "update")
    assert writable == frozenset({"email", "phone", "invoice_by_email"})
    assert mask_text("AT611904300234573201") == "AT61 **** **** **** 3201"
    assert mask_text("DE89 3704 0044 0532 0130 00") == "DE89 **** **** **** **** 3000"
    assert mask_text("short") == "****"


def test_model_folder_policy_path() -> None:
    assert (MODEL_DIR / "_policy" / "permissions.yaml").is_file()
