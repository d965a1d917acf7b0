"""The construction kit: the modelling language, its compiler and model versioning.

`ck` reads files and nothing else; it knows no database. Use `compile_model` to get one
immutable `CompiledModel` that every generator (storage, GraphQL, JSON Schema) reads.
"""

from meshkit.ck.compiler import check_model, compile_model
from meshkit.ck.diagnostics import CkError, Diagnostic
from meshkit.ck.library import MANIFEST_NAME, Library
from meshkit.ck.model import (
    AssociationDef,
    AssociationEnd,
    AssociationKind,
    Attribute,
    ClassDef,
    CompiledModel,
    Constraints,
    EndSide,
    EnumDef,
    EnumValue,
    IndexDef,
    Location,
    ModelInfo,
    Multiplicity,
    OnDelete,
    RecordDef,
    SeriesDef,
    TypeKind,
    TypeRef,
)

__all__ = [
    "MANIFEST_NAME",
    "AssociationDef",
    "AssociationEnd",
    "AssociationKind",
    "Attribute",
    "CkError",
    "ClassDef",
    "CompiledModel",
    "Constraints",
    "Diagnostic",
    "EndSide",
    "EnumDef",
    "EnumValue",
    "IndexDef",
    "Library",
    "Location",
    "ModelInfo",
    "Multiplicity",
    "OnDelete",
    "RecordDef",
    "SeriesDef",
    "TypeKind",
    "TypeRef",
    "check_model",
    "compile_model",
]
