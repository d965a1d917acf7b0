"""Labels and descriptions per language: how they compile, fall back, diff and round-trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meshkit.ck import CompiledModel, compile_model
from meshkit.ck.diff import Bump, diff_models

MODEL = """
    description: {en: Things and their kinds., de: Dinge und ihre Arten.}
    enums:
      Kind:
        description: {en: What a thing is., de: Was ein Ding ist.}
        values:
          big: {key: 1, label: {en: Big, de: Groß}, description: {en: Larger., de: Größer.}}
          small: {key: 2, description: Smaller.}
    records:
      Spot:
        description: {de: Nur deutsch.}
        attributes:
          x: {type: int, description: {en: Across., de: Quer.}}
    classes:
      Thing:
        extends: system/Entity
        description:
          en: A thing.
          de: Ein Ding.
        label: {en: Thing, de: Ding}
        attributes:
          name: {type: string, description: Its name.}
          kind: {type: enum, enum: Kind, description: {en: Its kind., de: Seine Art.}}
        associations:
          owner:
            target: Thing
            inverse: owned
            multiplicity: "0..1"
            description: {en: Who owns it., de: Wem es gehört.}
"""


def _files(text: str = MODEL) -> dict[str, str]:
    # the manifest's own texts live in model.yaml; the first line of MODEL belongs there
    first, rest = text.lstrip("\n").split("\n", 1)
    manifest = "ck: 1\nname: m\nversion: 1.0.0\ndependencies: {system: '>=1,<2'}\n"
    return {"m/model.yaml": manifest + first.strip() + "\n", "m/a.yaml": rest}


def _compile(ck: Any, text: str = MODEL) -> CompiledModel:
    compiled: CompiledModel = ck.compile(_files(text))
    return compiled


def test_description_per_language_or_one_english_text(ck: Any) -> None:
    model = _compile(ck)
    thing = model.classes["m/Thing"]
    assert thing.descriptions == {"en": "A thing.", "de": "Ein Ding."}
    assert thing.description == "A thing."  # the English text: GraphQL and docs show it
    name = thing.attributes["name"]
    assert name.descriptions == {"en": "Its name."} and name.description == "Its name."
    kind = model.enums["m/Kind"]
    assert kind.values["big"].descriptions == {"en": "Larger.", "de": "Größer."}
    assert kind.values["small"].description_in("de") == "Smaller."  # falls back to English
    assert model.associations["m/Thing.owner"].description_in("de") == "Wem es gehört."
    assert model.records["m/Spot"].attributes["x"].description_in("de") == "Quer."
    assert model.models["m"].descriptions["de"] == "Dinge und ihre Arten."


def test_without_english_there_is_no_english_description(ck: Any) -> None:
    spot = _compile(ck).records["m/Spot"]
    assert spot.description is None
    assert spot.description_in("de") == "Nur deutsch."
    assert spot.description_in("en") is None


def test_label_in_falls_back_to_english(ck: Any) -> None:
    model = _compile(ck)
    assert model.classes["m/Thing"].label_in("de") == "Ding"
    assert model.classes["m/Thing"].label_in("fr") == "Thing"
    assert model.enums["m/Kind"].values["small"].label_in("de") is None


def test_a_description_keyed_by_something_else_than_a_language_code(ck: Any) -> None:
    ck.expect(
        {
            "m/a.yaml": """
                classes:
                  Thing:
                    extends: system/Entity
                    description: {english: A thing.}
                    attributes:
                      name: {type: string, description: {en: Name, de: 3}}
            """
        },
        (
            "m/a.yaml:4:19: error[schema] classes.Thing.description.english:",
            "two-letter language codes",
        ),
        (
            "m/a.yaml:6:56: error[schema] classes.Thing.attributes.name.description.de:",
            "expected a text",
        ),
    )


def test_a_translation_is_a_patch_change_of_the_description(ck: Any) -> None:
    old = _compile(ck, MODEL.replace("de: Ein Ding.", "de: Ein Objekt."))
    new = _compile(ck)
    diff = diff_models(old, new)
    assert [(c.bump, c.path, c.aspect) for c in diff.changes] == [
        (Bump.PATCH, "m/Thing", "description")
    ]
    assert diff.changes[0].new == {"en": "A thing.", "de": "Ein Ding."}
    assert diff.required_bump is Bump.PATCH


def test_english_only_texts_dump_as_before(ck: Any) -> None:
    """Snapshots (and so fingerprints) of models without translations do not change."""
    model = _compile(ck)
    name = model.classes["m/Thing"].attributes["name"].model_dump(mode="json")
    assert name["description"] == "Its name." and "descriptions" not in name
    thing = model.classes["m/Thing"].model_dump(mode="json")
    assert thing["descriptions"] == {"en": "A thing.", "de": "Ein Ding."}
    assert CompiledModel.model_validate(model.model_dump()) == model


def test_the_shipped_models_speak_german() -> None:
    """Every label and description of the energy-community and system models has a German text."""
    repo = Path(__file__).resolve().parents[2]
    model = compile_model(repo / "models" / "energy_community", library_paths=[repo / "models"])
    elements: list[tuple[str, Any]] = [(n, m) for n, m in model.models.items()]
    for table in (model.classes, model.records, model.enums, model.associations):
        for qid, element in table.items():
            elements.append((qid, element))
            for name, member in {
                **getattr(element, "attributes", {}),
                **getattr(element, "series", {}),
                **getattr(element, "values", {}),
            }.items():
                elements.append((f"{qid}.{name}", member))
    missing = [
        f"{where} {what}"
        for where, element in elements
        for what, texts in (("label", element.label), ("description", element.descriptions))
        if texts and "de" not in texts
    ]
    assert not missing, "no German text: " + ", ".join(missing)
