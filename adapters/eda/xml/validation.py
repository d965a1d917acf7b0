"""Validation against the official ebUtilities XSDs.

The XSDs are not shipped with meshkit (their licence is unstated), so their folder is configured:
an explicit `xsd_dir`, else the environment variable `MESHKIT_EDA_XSD_DIR`. Each XSD is compiled
once per process and kept.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from meshkit.adapters.eda.xml.errors import SchemaIssue, SchemaViolationError, XsdNotFoundError
from meshkit.adapters.eda.xml.namespaces import SchemaSpec

XSD_DIR_ENV = "MESHKIT_EDA_XSD_DIR"

# libxml2 schema validators keep their error log on the validator object; one validation at a
# time keeps that log tied to the document that produced it.
_VALIDATE_LOCK = threading.Lock()


def resolve_xsd_dir(xsd_dir: str | os.PathLike[str] | None = None) -> Path:
    """The XSD folder to use: `xsd_dir` if given, else `$MESHKIT_EDA_XSD_DIR`."""
    source = "the xsd_dir argument"
    if xsd_dir is None:
        env = os.environ.get(XSD_DIR_ENV, "").strip()
        if not env:
            raise XsdNotFoundError(
                "schema validation is on but no XSD folder is configured: pass xsd_dir=... or "
                f"set {XSD_DIR_ENV} to the folder holding the official ebUtilities XSDs "
                "(e.g. CMNotification_01p20.xsd); or pass validate=False to skip validation"
            )
        xsd_dir, source = env, f"${XSD_DIR_ENV}"
    path = Path(xsd_dir).expanduser().resolve()
    if not path.is_dir():
        raise XsdNotFoundError(
            f"XSD folder {str(path)!r} (from {source}) does not exist; point it at the folder "
            "holding the official ebUtilities XSDs"
        )
    return path


@lru_cache(maxsize=64)
def _compiled(xsd_path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        # Parsed from the file path so that the sibling schemaLocation imports resolve.
        return etree.XMLSchema(etree.parse(str(xsd_path), parser))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise XsdNotFoundError(f"XSD {str(xsd_path)!r} does not compile: {exc}") from None


def schema_for(
    spec: SchemaSpec, version: str, xsd_dir: str | os.PathLike[str] | None = None
) -> etree.XMLSchema:
    """The compiled XSD for one schema version (compiled on first use, then cached)."""
    folder = resolve_xsd_dir(xsd_dir)
    path = folder / spec.xsd_file(version)
    if not path.is_file():
        raise XsdNotFoundError(
            f"{spec.xsd_file(version)} is missing from the XSD folder {str(folder)!r}; "
            f"{spec.name} {version} documents cannot be validated without it"
        )
    return _compiled(path)


def validate_element(
    root: etree._Element,
    spec: SchemaSpec,
    version: str,
    xsd_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Raise `SchemaViolationError` (with every libxml2 message and line) if `root` is invalid."""
    schema = schema_for(spec, version, xsd_dir)
    with _VALIDATE_LOCK:
        if schema.validate(root):
            return
        # The lxml stubs do not declare the error log iterable; its entries have line/message.
        entries: Iterable[Any] = schema.error_log  # type: ignore[assignment]
        issues = tuple(SchemaIssue(int(e.line), str(e.message)) for e in entries)
    raise SchemaViolationError(spec.xsd_file(version), issues)
