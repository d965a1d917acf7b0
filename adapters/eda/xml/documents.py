"""The two entry points: `read_document` (bytes -> typed message) and `write_document`.

Reading picks schema and version from the root element's namespace; writing takes the version
as an argument and defaults to the newest one this package knows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from meshkit.adapters.eda.xml import _tree as t
from meshkit.adapters.eda.xml.cm_notification import (
    CMNotification,
    build_cm_notification,
    read_cm_notification,
)
from meshkit.adapters.eda.xml.cm_request import CMRequest, build_cm_request, read_cm_request
from meshkit.adapters.eda.xml.cm_revoke import CMRevoke, build_cm_revoke, read_cm_revoke
from meshkit.adapters.eda.xml.consumption_record import (
    ConsumptionRecord,
    build_consumption_record,
    read_consumption_record,
)
from meshkit.adapters.eda.xml.cp_notification import (
    CPNotification,
    build_cp_notification,
    read_cp_notification,
)
from meshkit.adapters.eda.xml.cp_request import CPRequest, build_cp_request, read_cp_request
from meshkit.adapters.eda.xml.ecmp_list import ECMPList, build_ecmp_list, read_ecmp_list
from meshkit.adapters.eda.xml.errors import EdaWriteError, UnknownNamespaceError
from meshkit.adapters.eda.xml.namespaces import (
    BY_NAMESPACE,
    CM_NOTIFICATION,
    CM_REQUEST,
    CM_REVOKE,
    CONSUMPTION_RECORD,
    CP_NOTIFICATION,
    CP_REQUEST,
    ECMP_LIST,
    SchemaSpec,
    normalise_version,
)
from meshkit.adapters.eda.xml.parser import parse_document
from meshkit.adapters.eda.xml.validation import validate_element

EdaMessage = (
    CMRequest
    | CMNotification
    | CMRevoke
    | ECMPList
    | CPRequest
    | CPNotification
    | ConsumptionRecord
)
XsdDir = str | os.PathLike[str] | None


@dataclass(frozen=True, slots=True)
class DocumentSchema:
    """Which schema and version a document is written in."""

    name: str  # e.g. "CMNotification"
    version: str  # e.g. "01p12"


@dataclass(frozen=True, slots=True)
class _Codec:
    spec: SchemaSpec
    read: Callable[[t.Element, str], Any]
    build: Callable[[Any, str], t.Element]


_CODECS: dict[type, _Codec] = {
    CMRequest: _Codec(CM_REQUEST, read_cm_request, build_cm_request),
    CMNotification: _Codec(CM_NOTIFICATION, read_cm_notification, build_cm_notification),
    CMRevoke: _Codec(CM_REVOKE, read_cm_revoke, build_cm_revoke),
    ECMPList: _Codec(ECMP_LIST, read_ecmp_list, build_ecmp_list),
    CPRequest: _Codec(CP_REQUEST, read_cp_request, build_cp_request),
    CPNotification: _Codec(CP_NOTIFICATION, read_cp_notification, build_cp_notification),
    ConsumptionRecord: _Codec(
        CONSUMPTION_RECORD, read_consumption_record, build_consumption_record
    ),
}
_BY_NAME = {codec.spec.name: codec for codec in _CODECS.values()}


def _identify(root: t.Element) -> tuple[_Codec, str]:
    qname = etree.QName(root)
    found = BY_NAMESPACE.get(qname.namespace or "")
    if found is None:
        supported = ", ".join(sorted({f"{s.name} {v}" for s, v in BY_NAMESPACE.values()}))
        raise UnknownNamespaceError(
            f"root <{qname.localname}> in namespace {qname.namespace!r} is not a supported "
            f"ebUtilities document; supported: {supported}",
            line=t.line_of(root),
        )
    spec, version = found
    if qname.localname != spec.name:
        raise UnknownNamespaceError(
            f"root element <{qname.localname}> does not belong to namespace {qname.namespace!r}, "
            f"which holds <{spec.name}>",
            line=t.line_of(root),
        )
    return _BY_NAME[spec.name], version


def document_schema(data: bytes) -> DocumentSchema:
    """Schema name and version of `data`, from its root namespace (no validation)."""
    codec, version = _identify(parse_document(data))
    return DocumentSchema(codec.spec.name, version)


def read_document(data: bytes, *, validate: bool = True, xsd_dir: XsdDir = None) -> EdaMessage:
    """Parse, validate (unless `validate=False`) and read one inbound EDA document.

    Raises an `EdaDocumentError` subclass for any problem with the document, and
    `XsdNotFoundError` when validation is on but the XSD folder is not configured.
    """
    root = parse_document(data)
    codec, version = _identify(root)
    if validate:
        validate_element(root, codec.spec, version, xsd_dir)
    message: EdaMessage = codec.read(root, version)
    return message


def write_document(
    message: EdaMessage,
    version: str | None = None,
    *,
    validate: bool = True,
    xsd_dir: XsdDir = None,
) -> bytes:
    """Serialise `message` as UTF-8 XML in `version` (e.g. "01p10"; default: the newest).

    With `validate` (the default) the result is checked against the official XSD first, so an
    invalid message fails here rather than at the grid operator.
    """
    codec = _CODECS.get(type(message))
    if codec is None:
        raise EdaWriteError(f"{type(message).__name__} is not an EDA message this package writes")
    chosen = normalise_version(codec.spec, version)
    root = codec.build(message, chosen)
    if validate:
        validate_element(root, codec.spec, chosen, xsd_dir)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
