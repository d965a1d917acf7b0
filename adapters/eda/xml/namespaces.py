"""Which ebUtilities schemas and versions this package speaks, and how their namespaces look.

A version is written the way the namespace writes it (`01p20`); the header's SchemaVersion
attribute writes the same version as `01.20`.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshkit.adapters.eda.xml.errors import EdaWriteError

EBUTILITIES = "http://www.ebutilities.at/schemata"
#: The namespace of RoutingHeader, MessageId, ConversationId … shared by every schema below.
COMMON_TYPES_NS = f"{EBUTILITIES}/customerprocesses/common/types/01p20"


@dataclass(frozen=True, slots=True)
class SchemaSpec:
    """One ebUtilities document schema: root element name, namespace family and versions."""

    name: str  # the root element, e.g. "CMNotification"
    family: str  # "customerconsent" or "customerprocesses"
    versions: tuple[str, ...]  # oldest first; the last one is the default for writing
    message_codes: frozenset[str]

    @property
    def newest(self) -> str:
        return self.versions[-1]

    def namespace(self, version: str) -> str:
        return f"{EBUTILITIES}/{self.family}/{self.name.lower()}/{version}"

    def xsd_file(self, version: str) -> str:
        return f"{self.name}_{version}.xsd"


def _codes(*prefixes: str, suffixes: tuple[str, ...]) -> frozenset[str]:
    return frozenset(f"{p}_{s}" for p in prefixes for s in suffixes)


# CCMO (data-sharing consent) codes are not community processes, but grid operators send them
# through the same schemas and the real samples carry them, so they are known codes too.
CM_REQUEST = SchemaSpec(
    "CMRequest",
    "customerconsent",
    ("01p20", "01p30"),
    _codes("ANFORDERUNG", suffixes=("ECON", "ECOF", "CCMO")),
)
CM_NOTIFICATION = SchemaSpec(
    "CMNotification",
    "customerconsent",
    ("01p12", "01p20"),
    _codes("ANTWORT", "ZUSTIMMUNG", "ABLEHNUNG", "ABBRUCH", suffixes=("ECON", "ECOF", "CCMO"))
    | _codes("ANTWORT", "ABLEHNUNG", suffixes=("CCMS",)),
)
CM_REVOKE = SchemaSpec(
    "CMRevoke",
    "customerconsent",
    ("01p10",),
    _codes("AUFHEBUNG", suffixes=("CCMS", "CCMC", "CCMI")),
)
ECMP_LIST = SchemaSpec(
    "ECMPList",
    "customerprocesses",
    ("01p10", "01p20"),
    frozenset({"ABSCHLUSS_ECON", "ABSCHLUSS_ECOF", "SENDEN_ECP", "ANFORDERUNG_CPF"}),
)
CP_REQUEST = SchemaSpec(
    "CPRequest",
    "customerprocesses",
    ("01p12",),
    frozenset({"ANFORDERUNG_ECP", "ANFORDERUNG_PT"}),
)
CP_NOTIFICATION = SchemaSpec(
    "CPNotification",
    "customerprocesses",
    ("01p13",),
    _codes("ANTWORT", "ABLEHNUNG", suffixes=("CPF", "PT"))
    | frozenset({"ABLEHNUNG_CRMSG", "ABLEHNUNG_ECP"}),
)
CONSUMPTION_RECORD = SchemaSpec(
    "ConsumptionRecord",
    "customerprocesses",
    ("01p40", "01p41"),
    frozenset({"DATEN_CRMSG"}),
)

SCHEMAS: tuple[SchemaSpec, ...] = (
    CM_REQUEST,
    CM_NOTIFICATION,
    CM_REVOKE,
    ECMP_LIST,
    CP_REQUEST,
    CP_NOTIFICATION,
    CONSUMPTION_RECORD,
)

#: namespace URI -> (schema, version), for dispatching an inbound document by its root.
BY_NAMESPACE: dict[str, tuple[SchemaSpec, str]] = {
    spec.namespace(version): (spec, version) for spec in SCHEMAS for version in spec.versions
}


def header_version(version: str) -> str:
    """`01p20` -> `01.20`, the SchemaVersion attribute's spelling."""
    return version.replace("p", ".")


def normalise_version(spec: SchemaSpec, version: str | None) -> str:
    """Accept `01p20`, `01.20` or None (newest); refuse versions this package cannot write."""
    if version is None:
        return spec.newest
    wanted = version.strip().replace(".", "p")
    if wanted not in spec.versions:
        raise EdaWriteError(
            f"{spec.name} version {version!r} is not supported; use one of {list(spec.versions)}"
        )
    return wanted
