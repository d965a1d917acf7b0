"""A model's migration file: the data-preserving transforms of one version step.

`models/<name>/migrations/<from>-<to>.yaml` (the CK compiler skips the `migrations/` folder)
says what the CK diff cannot know: that a removed and an added element are one renamed element,
how values of a changed type convert, which value an existing row gets for a new required
attribute, and which data may be lost. Elements are named `Class.attribute` (short class names
or qualified ids); rename keys use the old names, everything else the new ones. SQL expressions
see the row between the steps: renamed columns already carry their new names and removed
columns are still there. The format is documented in docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from meshkit.runtime.migrations.errors import MigrationSpecError

MIGRATIONS_FOLDER = "migrations"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Conversion(_Strict):
    """A type change: a SQL expression or a Python callable (`package.module:function`)."""

    sql: str | None = None
    python: str | None = None
    reverse_sql: str | None = None
    reverse_python: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Conversion:
        if (self.sql is None) == (self.python is None):
            raise ValueError("give exactly one of sql or python")
        if self.reverse_sql is not None and self.reverse_python is not None:
            raise ValueError("give at most one of reverse_sql or reverse_python")
        return self

    def reversed(self) -> Conversion | None:
        if self.reverse_sql is None and self.reverse_python is None:
            return None
        return Conversion(
            sql=self.reverse_sql,
            python=self.reverse_python,
            reverse_sql=self.sql,
            reverse_python=self.python,
        )


class Fill(_Strict):
    """The value existing rows get for a new (or newly required) attribute."""

    value: Any = None
    sql: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Fill:
        if ("value" in self.model_fields_set) == (self.sql is not None):
            raise ValueError("give exactly one of value or sql")
        return self


class Split(_Strict):
    """One attribute becomes several: each new attribute from a SQL expression."""

    into: dict[str, str]
    reverse: str | None = None  # SQL giving the old attribute back from the new ones


class Merge(_Strict):
    """Several attributes become one."""

    sources: list[str] = Field(alias="from", min_length=1)
    sql: str
    reverse: dict[str, str] | None = None  # old attribute -> SQL over the merged one


class MigrationSpec(_Strict):
    """The content of one migration file; empty when the step needs none."""

    rename_classes: dict[str, str] = Field(default_factory=dict)
    rename_attributes: dict[str, str] = Field(default_factory=dict)
    convert: dict[str, Conversion] = Field(default_factory=dict)
    map_values: dict[str, dict[str, str]] = Field(default_factory=dict)
    fill: dict[str, Fill] = Field(default_factory=dict)
    move_into_record: dict[str, dict[str, str]] = Field(default_factory=dict)
    extract_from_record: dict[str, str] = Field(default_factory=dict)  # Class.attr: rec.field
    split: dict[str, Split] = Field(default_factory=dict)
    merge: dict[str, Merge] = Field(default_factory=dict)
    allow_data_loss: list[str] = Field(default_factory=list)
    source: str = ""  # the file it was read from, for messages

    def inverted(self) -> MigrationSpec:
        """The spec of the way back (downgrade), in the old version's names."""
        classes_back = {new: old for old, new in self.rename_classes.items()}
        attrs_back: dict[str, str] = {}  # new Class.attr -> old attr
        for old_ref, new_attr in self.rename_attributes.items():
            cls, attr = split_ref(old_ref)
            attrs_back[f"{_short(self.rename_classes.get(cls, cls))}.{new_attr}"] = attr

        def back(ref: str) -> str:
            cls, attr = split_ref(ref)
            old_cls = classes_back.get(_short(cls), cls)
            return f"{old_cls}.{attrs_back.get(f'{_short(cls)}.{attr}', attr)}"

        convert = {
            back(ref): rev for ref, c in self.convert.items() if (rev := c.reversed()) is not None
        }
        map_values: dict[str, dict[str, str]] = {}
        for ref, mapping in self.map_values.items():
            if len(set(mapping.values())) == len(mapping):  # only a one-to-one map inverts
                map_values[back(ref)] = {new: old for old, new in mapping.items()}
        split: dict[str, Split] = {}
        merge: dict[str, Merge] = {}
        for ref, m in self.merge.items():
            if m.reverse is not None:
                split[back(ref)] = Split(into=m.reverse, reverse=m.sql)
        for ref, s in self.split.items():
            if s.reverse is not None:
                cls, _ = split_ref(ref)
                target = back(ref)
                merge[target] = Merge(sources=list(s.into), sql=s.reverse, reverse=s.into)
        extract = {}
        for ref, fields in self.move_into_record.items():
            cls, record_attr = split_ref(ref)
            old_cls = split_ref(back(ref))[0]
            for field, old_attr in fields.items():
                extract[f"{old_cls}.{old_attr}"] = f"{split_ref(back(ref))[1]}.{field}"
        move: dict[str, dict[str, str]] = {}
        for ref, path in self.extract_from_record.items():
            cls, attr = split_ref(back(ref))
            record_attr, field = path.split(".", 1)
            move.setdefault(f"{cls}.{record_attr}", {})[field] = attr
        renames_back = {}
        for old_ref, new_attr in self.rename_attributes.items():
            cls, attr = split_ref(old_ref)
            renames_back[f"{_short(self.rename_classes.get(cls, cls))}.{new_attr}"] = attr
        return MigrationSpec(
            rename_classes=classes_back,
            rename_attributes=renames_back,
            convert=convert,
            map_values=map_values,
            move_into_record=move,
            extract_from_record=extract,
            split=split,
            merge=merge,
            allow_data_loss=self.allow_data_loss,
            source=self.source,
        )


def split_ref(ref: str) -> tuple[str, str]:
    """`Class.attr` -> (`Class`, `attr`); the class may be a qualified id `model/Class`."""
    cls, dot, attr = ref.rpartition(".")
    if not dot or not cls or not attr:
        raise MigrationSpecError(f"'{ref}' is not Class.attribute")
    return cls, attr


def _short(cls: str) -> str:
    return cls.rsplit("/", 1)[-1]


def spec_path(model_folder: Path, old_version: str, new_version: str) -> Path:
    return model_folder / MIGRATIONS_FOLDER / f"{old_version}-{new_version}.yaml"


def load_spec(path: Path) -> MigrationSpec:
    """The migration file at `path`; an empty spec when there is none."""
    if not path.is_file():
        return MigrationSpec(source=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MigrationSpecError(f"{path}: cannot read the migration file: {exc}") from None
    if not isinstance(data, dict):
        raise MigrationSpecError(f"{path}: a migration file is a mapping of sections")
    try:
        return MigrationSpec.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MigrationSpecError(
            f"{path}: {where}: {first['msg']} ({exc.error_count()} problem(s))"
        ) from None
