"""Typed reading and writing of ebUtilities XML messages (the EDA community processes).

    message = read_document(xml_bytes)            # dispatches by the root namespace
    xml_bytes = write_document(message, "01p10")  # version optional, default the newest

See docs/eda-xml.md for the supported schemas, validation and security.
"""

from meshkit.adapters.eda.xml.cm_notification import CMNotification, ConsentResponse, CustomerName
from meshkit.adapters.eda.xml.cm_request import CMRequest, CMRequestDetails
from meshkit.adapters.eda.xml.cm_revoke import CMRevoke
from meshkit.adapters.eda.xml.consumption_record import (
    ConsumptionRecord,
    Energy,
    EnergyData,
    EnergyPosition,
)
from meshkit.adapters.eda.xml.cp_notification import CPNotification
from meshkit.adapters.eda.xml.cp_request import CPRequest, CPRequestExtension
from meshkit.adapters.eda.xml.documents import (
    DocumentSchema,
    EdaMessage,
    document_schema,
    read_document,
    write_document,
)
from meshkit.adapters.eda.xml.ecmp_list import (
    CalculatedShare,
    ECMPList,
    MeteringPointEntry,
    MeteringPointPeriod,
)
from meshkit.adapters.eda.xml.enums import (
    AddressType,
    DistributionModel,
    DocumentMode,
    ECType,
    EnergyDirection,
    MeteringInterval,
    TransmissionCycle,
)
from meshkit.adapters.eda.xml.errors import (
    ContentError,
    EdaDocumentError,
    EdaWriteError,
    EdaXmlError,
    HostileXmlError,
    MalformedXmlError,
    SchemaIssue,
    SchemaViolationError,
    UnknownMessageCodeError,
    UnknownNamespaceError,
    XsdNotFoundError,
)
from meshkit.adapters.eda.xml.header import AdditionalData, MessageHeader
from meshkit.adapters.eda.xml.namespaces import SCHEMAS, SchemaSpec
from meshkit.adapters.eda.xml.readings_frame import consumption_record_readings
from meshkit.adapters.eda.xml.validation import XSD_DIR_ENV

__all__ = [
    "SCHEMAS",
    "XSD_DIR_ENV",
    "AdditionalData",
    "AddressType",
    "CMNotification",
    "CMRequest",
    "CMRequestDetails",
    "CMRevoke",
    "CPNotification",
    "CPRequest",
    "CPRequestExtension",
    "CalculatedShare",
    "ConsentResponse",
    "ConsumptionRecord",
    "ContentError",
    "CustomerName",
    "DistributionModel",
    "DocumentMode",
    "DocumentSchema",
    "ECMPList",
    "ECType",
    "EdaDocumentError",
    "EdaMessage",
    "EdaWriteError",
    "EdaXmlError",
    "Energy",
    "EnergyData",
    "EnergyDirection",
    "EnergyPosition",
    "HostileXmlError",
    "MalformedXmlError",
    "MessageHeader",
    "MeteringInterval",
    "MeteringPointEntry",
    "MeteringPointPeriod",
    "SchemaIssue",
    "SchemaSpec",
    "SchemaViolationError",
    "TransmissionCycle",
    "UnknownMessageCodeError",
    "UnknownNamespaceError",
    "XsdNotFoundError",
    "consumption_record_readings",
    "document_schema",
    "read_document",
    "write_document",
]
