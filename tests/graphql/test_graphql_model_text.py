"""`modelText(language)`: the construction kit's labels and descriptions by GraphQL name, in one
language with English as the fallback, for any signed-in caller."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql_client import Client
from graphql_secure_world import Served, served

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.graphql import build_schema

REPO = Path(__file__).resolve().parents[2]

ELEMENTS = """
enums:
  Direction:
    label: {en: Direction, de: Richtung}
    values:
      consumption: {key: 1, label: {en: Consumption, de: Bezug}}
      feed_in: {key: 2, description: {en: Into the grid., de: Ins Netz.}}
records:
  Place:
    description: {en: Where it is., de: Wo es ist.}
    attributes:
      postal_code: {type: string, label: {en: Postal code, de: Postleitzahl}}
      city: string
classes:
  Meter:
    extends: system/Entity
    label: {en: Meter, de: Zähler}
    description: {en: Measures energy., de: Misst Energie.}
    attributes:
      serial_number: {type: string, label: {en: Serial number, de: Seriennummer}}
      direction: {type: enum, enum: Direction, description: Which way energy flows.}
      place: {type: record, record: Place}
    associations:
      site:
        target: Site
        inverse: meters
        multiplicity: "0..1"
        label: {en: Site, de: Standort}
        description: {en: Where the meter hangs., de: Wo der Zähler hängt.}
    series:
      energy: {unit: kWh, interval: PT15M, label: {en: Energy, de: Energie}}
  Site:
    extends: system/Entity
    attributes:
      name: string
"""

SYSTEM = {"id", "createdBy", "changedAt", "changedBy", "version", "state"}  # system/Entity's
QUERY = """
query ($language: String!) {
  modelText(language: $language) {
    language
    languages
    types { name label description fields { name label description } }
    enums { name label description values { name label description } }
  }
}
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    folder = tmp_path_factory.mktemp("texts") / "tx"
    folder.mkdir()
    (folder / "model.yaml").write_text(
        "ck: 1\nname: tx\nversion: 1.0.0\ndependencies: {system: '>=1,<2'}\n", encoding="utf-8"
    )
    (folder / "elements.yaml").write_text(textwrap.dedent(ELEMENTS), encoding="utf-8")
    model = compile_model(folder, library_paths=[REPO / "models"])
    engine = create_engine("sqlite://")  # never used: texts are metadata, read without a query
    yield Client(build_schema(model), Repository(engine, model))
    engine.dispose()


def _texts(client: Client, language: str) -> dict[str, Any]:
    text: dict[str, Any] = client.data(QUERY, language=language)["modelText"]
    return text


def _type(text: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in text["types"] if t["name"] == name)
    return found


def _fields(text: dict[str, Any], name: str) -> dict[str, tuple[str | None, str | None]]:
    return {f["name"]: (f["label"], f["description"]) for f in _type(text, name)["fields"]}


def test_types_fields_and_enum_values_in_german(client: Client) -> None:
    text = _texts(client, "de")
    assert text["language"] == "de" and text["languages"] == ["de", "en"]
    meter = _type(text, "Meter")
    assert (meter["label"], meter["description"]) == ("Zähler", "Misst Energie.")
    fields = _fields(text, "Meter")
    assert fields.pop("createdAt") == ("Angelegt am", "Wann die Entität angelegt wurde (UTC).")
    assert {k: v for k, v in fields.items() if k not in SYSTEM} == {
        "serialNumber": ("Seriennummer", None),
        "direction": (None, "Which way energy flows."),  # no German: the English text
        "site": ("Standort", "Wo der Zähler hängt."),
        "siteId": ("Standort", "Wo der Zähler hängt."),
        "energy": ("Energie", None),
    }
    assert _type(text, "Place")["description"] == "Wo es ist."
    assert _fields(text, "Place") == {"postalCode": ("Postleitzahl", None)}
    direction = next(e for e in text["enums"] if e["name"] == "Direction")
    assert direction["label"] == "Richtung"
    assert direction["values"] == [
        {"name": "CONSUMPTION", "label": "Bezug", "description": None},
        {"name": "FEED_IN", "label": None, "description": "Ins Netz."},
    ]


def test_english_and_languages_the_model_lacks(client: Client) -> None:
    english = _texts(client, "en")
    assert _type(english, "Meter")["label"] == "Meter"
    assert _fields(english, "Meter")["site"] == ("Site", "Where the meter hangs.")
    french = _texts(client, "fr")
    assert french["language"] == "fr"
    assert _type(french, "Meter")["description"] == "Measures energy."


def test_the_way_back_and_unlabelled_types_have_no_texts(client: Client) -> None:
    text = _texts(client, "de")
    site = _type(text, "Site")
    assert (site["label"], site["description"]) == (None, None)
    # no `meters`: the inverse end, and the association's texts describe the source's end
    assert set(_fields(text, "Site")) <= SYSTEM | {"createdAt"}


def test_the_language_must_be_a_language_code(client: Client) -> None:
    errors = client.errors(QUERY, language="German")
    assert "'German' is not a two-letter language code" in errors[0]["message"]
    assert errors[0]["path"] == ["modelText"]


@pytest.fixture
def api(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[Served]:
    with served(ec_model, ec_repo) as s:
        yield s


def test_any_signed_in_role_reads_the_texts_anonymous_does_not(api: Served) -> None:
    for user in ("anna", "sam", "ada"):  # member, staff, admin; the apps' query fits the limits
        text = api.data(user, QUERY, language="de")["modelText"]
        assert _type(text, "MeteringPoint")["label"] == "Zählpunkt"
    errors = api.errors(None, QUERY, language="de")
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
