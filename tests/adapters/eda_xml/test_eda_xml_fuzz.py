"""Mutated real samples either read or raise an `EdaDocumentError`: nothing else escapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from meshkit.adapters.eda.xml import EdaDocumentError, read_document

NAMES = [
    "cmnotification/_01p20/accepted_ccmo.xml",
    "cmrevoke/_01p10/cmrevoke.xml",
    "consumptionrecord/_01p41/consumptionrecord_daily.xml",
    "cpnotification/_01p12/answer_pt.xml",
    "ecmplist/_01p10/ecmplist.xml",
    "ponton-simulator/cmnotification_01p12_ANTWORT_ECON.resolved.xml",
    "ponton-simulator/consumptionrecord_01p41_DATEN_CRMSG.resolved.xml",
]


def _delete_element(data: bytes, index: int) -> bytes:
    root = etree.fromstring(data)
    elements = list(root.iter(etree.Element))[1:]  # never the root itself
    victim = elements[index % len(elements)]
    parent = victim.getparent()
    assert parent is not None
    parent.remove(victim)
    return etree.tostring(root)


@st.composite
def mutated(draw: st.DrawFn, samples: dict[str, bytes]) -> bytes:
    data = samples[draw(st.sampled_from(NAMES))]
    kind = draw(st.sampled_from(["flip", "truncate", "delete", "flip+delete"]))
    if "delete" in kind:
        data = _delete_element(data, draw(st.integers(0, 10_000)))
    if "flip" in kind:
        buffer = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            buffer[draw(st.integers(0, len(buffer) - 1))] = draw(st.integers(0, 255))
        data = bytes(buffer)
    if kind == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data


@pytest.fixture(scope="module")
def samples(samples_dir: Path) -> dict[str, bytes]:
    return {name: (samples_dir / name).read_bytes() for name in NAMES}


def test_mutated_samples_read_or_raise_document_errors(
    samples: dict[str, bytes], xsd_dir: Path
) -> None:
    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data(), validate=st.booleans())
    def check(data: st.DataObject, validate: bool) -> None:
        document = data.draw(mutated(samples))
        try:
            read_document(document, validate=validate, xsd_dir=xsd_dir)
        except EdaDocumentError as error:
            assert str(error)  # always a readable message

    check()
