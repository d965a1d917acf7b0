"""The authorisation policy of a model: roles, operations per class, row rules, column rules.

A policy is a YAML file next to the model (`models/<model>/_policy/permissions.yaml`; the CK
compiler skips folders starting with `_`), checked against `policy.schema.json` and against the
compiled model, with every problem located as file:line:column like the CK's:

    policy = Policy.compile(model, Path("models/energy_community/_policy/permissions.yaml"))
    policy.check(principal, "MeteringPoint", "read")           # PermissionDenied if not
    where = policy.row_filter(principal, "MeteringPoint", "read")  # AND it into every query
    entity = policy.mask(principal, "Participant", entity)     # hidden columns removed

Semantics (docs/security.md has the long form):
- a grant names classes (a grant on a class covers its descendants), operations, and
  optionally `rows` (a filter template) and column rules (`hidden`, `visible`, `writable`);
- a principal's roles add up: an operation is allowed on a class if any grant allows it; the
  row filter is the OR of those grants' rows (a grant without `rows` allows every row);
- the filter for an abstract class combines each concrete class's filter by `type`, so
  polymorphic queries apply each subclass's own rule;
- columns: per role, the read grants that name the class most closely (the class, then the
  nearest ancestor, then "*") decide its visible columns; roles add up. Sensitive attributes
  are masked (text) or left out (other types) unless a grant gives `read_sensitive`.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from meshkit.ck.diagnostics import Diagnostic
from meshkit.ck.model import ClassDef, CompiledModel
from meshkit.ck.source import PathKey, SourceFile, load_source
from meshkit.runtime.errors import UnknownElementError
from meshkit.runtime.query import QUANTIFIERS, Filter
from meshkit.runtime.storage import Storage

from .errors import PermissionDenied, PolicyError
from .filters import (
    PathError,
    Step,
    Unevaluable,
    check_filter,
    conjunction,
    disjunction,
    evaluate,
    prefix_filter,
    resolve_many,
    resolve_path,
    substitute,
)
from .masking import has_sensitive_parts, mask_parts, mask_sensitive, maskable
from .principal import Principal

POLICY_FOLDER = "_policy"
POLICY_FILE = "permissions.yaml"
OPERATIONS = ("read", "read_sensitive", "create", "update", "archive", "erase")
#: Always visible to anyone who may read the class: identity and concrete type.
ALWAYS_VISIBLE = frozenset({"id", "type"})
_WRITES = frozenset({"create", "update"})


@dataclass(frozen=True)
class Grant:
    """One entry of a role's `grants`: operations on classes, with row and column rules."""

    role: str
    classes: frozenset[str] | None  # qids as declared; None for "*" (every class)
    operations: frozenset[str]
    rows: Filter | None
    hidden: frozenset[str]
    visible: frozenset[str] | None
    writable: frozenset[str] | None
    location: str

    def allows(self, operation: str) -> bool:
        ops = self.operations
        if "*" in ops or operation in ops:
            return True
        return operation.startswith("command:") and "command:*" in ops

    def covers(self, cls: ClassDef) -> bool:
        if self.classes is None:
            return True
        return cls.qid in self.classes or any(a in self.classes for a in cls.ancestors)


@dataclass(frozen=True)
class Role:
    name: str
    description: str | None
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class _Columns:
    """What one principal sees of one concrete class."""

    visible: frozenset[str]  # attribute and association end names shown (masked ones too)
    masked: frozenset[str]  # visible names whose value is masked (in full or in part)


class Policy:
    """A compiled policy: answers what a principal may do, on which rows, with which columns."""

    def __init__(
        self, model: CompiledModel, roles: Mapping[str, Role], source: str = "<policy>"
    ) -> None:
        self.model = model
        self.storage = Storage(model)
        self.roles: Mapping[str, Role] = dict(roles)
        self.source = source
        self._grant_cache: dict[tuple[frozenset[str], str, str], tuple[Grant, ...]] = {}
        self._column_cache: dict[tuple[frozenset[str], str], _Columns] = {}

    # ------------------------------------------------------------------ loading
    @classmethod
    def compile(
        cls, model: CompiledModel, source: str | Path, *, name: str | None = None
    ) -> Policy:
        """Compile a policy from a file (a Path) or from YAML text (a str).

        Raises PolicyError with every located problem: YAML syntax, schema, unknown classes,
        attributes and association paths, unknown principal variables.
        """
        if isinstance(source, Path):
            display = name or _display(source)
            loaded, problems = load_source(source, display)
        else:
            display = name or "<policy>"
            loaded, problems = _load_text(source, display)
        if problems:
            raise PolicyError(problems)
        roles, problems = _Compiler(model, loaded).run()
        if problems:
            raise PolicyError(problems)
        return cls(model, roles, display)

    @classmethod
    def for_model(cls, model: CompiledModel, folder: Path) -> Policy:
        """The policy kept in a model folder: `<folder>/_policy/permissions.yaml`."""
        return cls.compile(model, folder / POLICY_FOLDER / POLICY_FILE)

    # ------------------------------------------------------------------ operations
    def grants(self, principal: Principal, class_ref: str, operation: str) -> tuple[Grant, ...]:
        """The grants that allow `operation` on the concrete class `class_ref` to `principal`."""
        qid = self._cls(class_ref).qid
        key = (principal.roles, qid, operation)
        found = self._grant_cache.get(key)
        if found is None:
            cls = self.model.classes[qid]
            found = tuple(
                g
                for role in sorted(principal.roles)
                if role in self.roles
                for g in self.roles[role].grants
                if g.covers(cls) and g.allows(operation)
            )
            self._grant_cache[key] = found
        return found

    def allows(self, principal: Principal, class_ref: str, operation: str) -> bool:
        return any(self.grants(principal, t, operation) for t in self._types(class_ref))

    def check(self, principal: Principal, class_ref: str, operation: str) -> None:
        """PermissionDenied unless `principal` may do `operation` on (some of) `class_ref`."""
        cls = self._cls(class_ref)
        if self.allows(principal, cls.qid, operation):
            return
        if principal.is_anonymous:
            raise PermissionDenied(
                cls.qid, operation, f"sign in to {operation} {cls.qid}", code="unauthenticated"
            )
        roles = ", ".join(sorted(principal.roles)) or "none"
        raise PermissionDenied(
            cls.qid, operation, f"your roles ({roles}) do not allow {operation} on {cls.qid}"
        )

    # ------------------------------------------------------------------ rows
    def row_filter(self, principal: Principal, class_ref: str, operation: str) -> Filter | None:
        """The filter to AND into every query of `class_ref` for `operation`; None: every row.

        Raises PermissionDenied when the operation is not allowed on the class at all. For an
        abstract class each concrete class contributes its own rule, selected by `type`.
        """
        cls = self._cls(class_ref)
        self.check(principal, cls.qid, operation)
        types = self._types(cls.qid)
        rules: dict[str, tuple[Filter | None, list[str]]] = {}
        restricted = False
        for qid in types:
            grants = self.grants(principal, qid, operation)
            if not grants:
                restricted = True
                continue
            rule = self._rule(principal, grants)
            if rule is not None:
                restricted = True
            text = json.dumps(rule, sort_keys=True, default=str)
            rules.setdefault(text, (rule, []))[1].append(qid)
        if not restricted:
            return None
        if len(rules) == 1:
            rule, covered = next(iter(rules.values()))
            if len(covered) == len(types):
                return rule
        alternatives: list[Filter] = []
        for rule, covered in rules.values():
            by_type: Filter = {"attr": "type", "op": "in", "value": covered}
            if rule is None:
                alternatives.append(by_type)
            else:
                alternatives.append({"and": [by_type, rule]})
        return disjunction(alternatives)

    def _rule(self, principal: Principal, grants: Iterable[Grant]) -> Filter | None:
        alternatives: list[Filter] = []
        for grant in grants:
            if grant.rows is None:
                return None
            filled = substitute(grant.rows, principal)
            if filled is not None:  # a rule about a value the principal lacks allows nothing
                alternatives.append(filled)
        return disjunction(alternatives) if alternatives else {"or": []}

    # ------------------------------------------------------------------ columns
    def visible_attributes(self, principal: Principal, class_ref: str) -> frozenset[str]:
        """Attribute and association end names `principal` may read on `class_ref`.

        Includes names whose values are masked (see `masked_attributes`); sensitive non-text
        attributes without `read_sensitive` are not visible at all. For an abstract class: the
        names visible on every concrete class the principal may read.
        """
        return self._columns(principal, class_ref).visible

    def masked_attributes(self, principal: Principal, class_ref: str) -> frozenset[str]:
        """The visible names whose value `mask` rewrites (a sensitive text or record part)."""
        return self._columns(principal, class_ref).masked

    def clear_attributes(self, principal: Principal, class_ref: str) -> frozenset[str]:
        """Names visible unmasked: the only ones a filter, order or aggregate may use."""
        columns = self._columns(principal, class_ref)
        return columns.visible - columns.masked

    def writable_attributes(
        self, principal: Principal, class_ref: str, operation: str
    ) -> frozenset[str] | None:
        """Names `principal` may set with create/update on `class_ref`; None means all."""
        result: set[str] = set()
        for qid in self._types(class_ref):
            for grant in self.grants(principal, qid, operation):
                if grant.writable is None:
                    return None
                result |= grant.writable
        return frozenset(result)

    def mask(
        self, principal: Principal, class_ref: str, entity: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A copy of `entity` with what `principal` may not read removed or masked."""
        concrete = entity.get("type")
        qid = concrete if isinstance(concrete, str) and concrete in self.model.classes else None
        cls = self.model.classes[qid] if qid else self._cls(class_ref)
        columns = self._columns(principal, cls.qid)
        out: dict[str, Any] = {}
        for key, value in entity.items():
            if key not in columns.visible:
                continue
            if key in columns.masked:
                attr = cls.attributes[key]
                out[key] = (
                    mask_sensitive(value)
                    if attr.sensitive
                    else mask_parts(self.model, attr.type, value)
                )
            else:
                out[key] = value
        return out

    def _columns(self, principal: Principal, class_ref: str) -> _Columns:
        cls = self._cls(class_ref)
        key = (principal.roles, cls.qid)
        found = self._column_cache.get(key)
        if found is not None:
            return found
        if cls.abstract:
            per_type = [
                self._columns(principal, t)
                for t in self._types(cls.qid)
                if self.grants(principal, t, "read")
            ]
            names = frozenset(cls.attributes) | frozenset(cls.ends)
            if per_type:
                visible = frozenset.intersection(*(c.visible for c in per_type)) & names
                masked = frozenset.union(*(c.masked for c in per_type)) & visible
            else:
                visible = masked = frozenset()
            found = _Columns(visible, masked)
        else:
            found = self._concrete_columns(principal, cls)
        self._column_cache[key] = found
        return found

    def _concrete_columns(self, principal: Principal, cls: ClassDef) -> _Columns:
        names = frozenset(cls.attributes) | frozenset(cls.ends)
        visible: set[str] = set()
        for grant in self._closest(cls, self.grants(principal, cls.qid, "read")):
            shown = names if grant.visible is None else (grant.visible | ALWAYS_VISIBLE) & names
            visible |= shown - grant.hidden
        masked: set[str] = set()
        if not self.grants(principal, cls.qid, "read_sensitive"):
            for name in list(visible):
                attr = cls.attributes.get(name)
                if attr is None:
                    continue
                if attr.sensitive:
                    if maskable(attr.type):
                        masked.add(name)
                    else:
                        visible.discard(name)
                elif has_sensitive_parts(self.model, attr.type):
                    masked.add(name)
        return _Columns(frozenset(visible), frozenset(masked))

    @staticmethod
    def _closest(cls: ClassDef, grants: Iterable[Grant]) -> list[Grant]:
        """Per role, the grants that name the class most closely decide its columns: the class
        itself before an ancestor, a nearer ancestor before a farther one, any before "*"."""

        def distance(grant: Grant) -> int:
            if grant.classes is None:
                return len(cls.ancestors) + 1
            if cls.qid in grant.classes:
                return 0
            return 1 + min(i for i, a in enumerate(cls.ancestors) if a in grant.classes)

        by_role: dict[str, list[tuple[int, Grant]]] = {}
        for grant in grants:
            by_role.setdefault(grant.role, []).append((distance(grant), grant))
        chosen: list[Grant] = []
        for found in by_role.values():
            nearest = min(d for d, _ in found)
            chosen.extend(g for d, g in found if d == nearest)
        return chosen

    # ------------------------------------------------------------------ queries
    def secure_filter(
        self,
        principal: Principal,
        class_ref: str,
        where: Filter | None = None,
        operation: str = "read",
    ) -> Filter | None:
        """The filter to run for a caller's `where` on `class_ref`: the row rule AND the
        caller's filter, in which every class reached is row-restricted too.

        PermissionDenied when the filter names an attribute the principal may not read in
        clear or crosses into a class the principal may not read.
        """
        cls = self._cls(class_ref)
        base = self.row_filter(principal, cls.qid, operation)
        user = None if where is None else self._secure(principal, cls.qid, where)
        return conjunction(base, user)

    def _secure(self, principal: Principal, class_qid: str, spec: Any) -> Any:
        if not isinstance(spec, Mapping):
            return spec  # the repository reports the malformed filter
        for key in ("and", "or"):
            if key in spec and isinstance(spec[key], list | tuple):
                return {key: [self._secure(principal, class_qid, s) for s in spec[key]]}
        if "not" in spec:
            return {"not": self._secure(principal, class_qid, spec["not"])}
        path, op = spec.get("attr"), spec.get("op", "eq")
        if not isinstance(path, str):
            return spec
        if op in QUANTIFIERS:  # `end` or `to_one.….end`: the to-one steps, then the quantifier
            head, _, end = path.rpartition(".")
            try:
                steps = self._to_one_steps(class_qid, head)
                owner = steps[-1].target if steps else class_qid
                other = resolve_many(self.storage, owner, end)
            except PathError:
                return spec
            conditions = self._step_rules(principal, class_qid, steps)
            self._require_clear(principal, owner, end, "filter")
            inner = spec.get("where")
            secured = None if inner is None else self._secure(principal, other, inner)
            rule = self.row_filter(principal, other, "read")
            if op == "every":
                combined = (
                    secured if rule is None or secured is None else {"or": [{"not": rule}, secured]}
                )
            else:
                combined = conjunction(rule, secured)
            out = {k: v for k, v in spec.items() if k != "where"}
            if combined is not None:
                out["where"] = combined
            return conjunction(out, *conditions)
        try:
            resolved = resolve_path(self.storage, class_qid, path)
        except PathError:
            return spec
        conditions = self._step_rules(principal, class_qid, resolved.steps)
        self._require_clear(principal, resolved.owner, resolved.name, "filter")
        return conjunction(spec, *conditions)

    def _to_one_steps(self, class_qid: str, path: str) -> tuple[Step, ...]:
        """The to-one ends of `path` (every name one) and the classes they lead to."""
        if not path:
            return ()
        resolved = resolve_path(self.storage, class_qid, path)
        fk = self.storage.of(resolved.owner).to_one.get(resolved.name)
        if fk is None:
            raise PathError(f"'{resolved.name}' of {resolved.owner} is not a to-one end")
        target = self.storage.of(fk.other)
        if len(target.tables) != 1:
            raise PathError(f"'{resolved.name}' leads to {fk.other}, which spans several tables")
        return (*resolved.steps, Step(resolved.name, target.cls.qid))

    def _step_rules(
        self, principal: Principal, class_qid: str, steps: Sequence[Step]
    ) -> list[Filter]:
        """The row rule of every class reached through to-one `steps`, prefixed with the path
        to it; each end crossed must be readable in clear."""
        conditions: list[Filter] = []
        current, prefix = class_qid, ""
        for step in steps:
            self._require_clear(principal, current, step.end, "filter")
            rule = self.row_filter(principal, step.target, "read")
            prefix += step.end + "."
            if rule is not None:
                conditions.append(prefix_filter(rule, prefix))
            current = step.target
        return conditions

    def check_paths(
        self, principal: Principal, class_ref: str, paths: Iterable[str], use: str = "sort"
    ) -> None:
        """Order-by, group-by and measure paths: every step readable, with no row rule on a
        class behind a to-one end (its values would show), and the last name readable in clear.
        """
        cls = self._cls(class_ref)
        for path in paths:
            try:
                resolved = resolve_path(self.storage, cls.qid, path)
            except PathError:
                continue  # the repository reports it
            current = cls.qid
            for step in resolved.steps:
                self._require_clear(principal, current, step.end, use)
                if self.row_filter(principal, step.target, "read") is not None:
                    raise PermissionDenied(
                        step.target,
                        "read",
                        f"cannot {use} by '{path}': you may read only some {step.target} rows",
                        code="path-not-allowed",
                    )
                current = step.target
            self._require_clear(principal, resolved.owner, resolved.name, use)

    def _require_clear(self, principal: Principal, class_qid: str, name: str, use: str) -> None:
        if name in self.clear_attributes(principal, class_qid):
            return
        raise PermissionDenied(
            class_qid,
            "read",
            f"cannot {use} by '{name}' of {class_qid}: you may not read it",
            code="attribute-hidden",
            attribute=name,
        )

    # ------------------------------------------------------------------ events
    def allows_event(self, principal: Principal, event: Any, uow: Any | None = None) -> bool:
        """Whether `principal` may be told about `event` (a subscription's per-event check).

        `event` is an `meshkit.runtime.events.Event` or a mapping with `tenant`, `class_qid`
        (or `class`), `entity_id` and optionally `entity` (the entity's values). Fails closed:
        without a value to check a row rule against (no `entity` that decides it, no unit of
        work `uow` of the principal's tenant to look the entity up) the answer is no.
        """
        data = event if isinstance(event, Mapping) else vars(event)
        tenant = data.get("tenant")
        class_qid = data.get("class_qid") or data.get("class")
        entity_id = data.get("entity_id")
        if principal.is_anonymous or principal.tenant is None or tenant != principal.tenant:
            return False
        if not isinstance(class_qid, str) or class_qid not in self.model.classes:
            return False
        try:
            rule = self.row_filter(principal, class_qid, "read")
        except PermissionDenied:
            return False
        if rule is None:
            return True
        entity = data.get("entity")
        if isinstance(entity, Mapping):
            try:
                return evaluate(rule, entity)
            except Unevaluable:
                pass
        if uow is None or getattr(uow, "tenant", None) != principal.tenant:
            return False
        if not isinstance(entity_id, str):
            return False
        where = conjunction({"attr": "id", "op": "eq", "value": entity_id}, rule)
        return bool(uow.count(class_qid, where) > 0)

    # ------------------------------------------------------------------ helpers
    def _cls(self, class_ref: str) -> ClassDef:
        try:
            return self.model.cls(class_ref)
        except KeyError as exc:
            raise UnknownElementError(str(exc.args[0])) from None

    def _types(self, class_ref: str) -> tuple[str, ...]:
        """The concrete classes whose entities a query of `class_ref` returns."""
        cls = self._cls(class_ref)
        types = tuple(q for q in (cls.qid, *cls.descendants) if not self.model.classes[q].abstract)
        return types or (cls.qid,)


# ====================================================================== compiling
def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _load_text(text: str, display: str) -> tuple[SourceFile, list[Diagnostic]]:
    handle, name = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        source, problems = load_source(Path(name), display)
    finally:
        os.unlink(name)
    source.path = Path(display)
    return source, problems


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(policy_schema())


def policy_schema() -> dict[str, Any]:
    """The JSON Schema of policy files (for editors: yaml-language-server)."""
    text = resources.files(__package__).joinpath("policy.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


class _Compiler:
    def __init__(self, model: CompiledModel, source: SourceFile) -> None:
        self.model = model
        self.source = source
        self.storage = Storage(model)
        self.problems: list[Diagnostic] = []

    def error(self, path: PathKey, code: str, message: str, *, key: bool = False) -> None:
        self.problems.append(self.source.error(path, code, message, key=key))

    def run(self) -> tuple[dict[str, Role], list[Diagnostic]]:
        data = self.source.data
        for error in _validator().iter_errors(data):
            self._schema_problem(_most_specific(error))
        if self.problems:
            return {}, self.problems
        assert isinstance(data, dict)
        if data["model"] != self.model.root:
            self.error(
                ("model",),
                "model",
                f"the policy is for model '{data['model']}', not '{self.model.root}'",
            )
        roles: dict[str, Role] = {}
        for name, role in data["roles"].items():
            grants = [
                self._grant(name, i, grant, ("roles", name, "grants", i))
                for i, grant in enumerate(role["grants"])
            ]
            roles[name] = Role(
                name, role.get("description"), tuple(g for g in grants if g is not None)
            )
        return roles, self.problems

    def _grant(self, role: str, index: int, data: dict[str, Any], at: PathKey) -> Grant | None:
        before = len(self.problems)
        classes: list[ClassDef] | None = None
        if data["classes"] != "*":
            classes = []
            for j, ref in enumerate(data["classes"]):
                cls = self._class(ref, (*at, "classes", j))
                if cls is not None:
                    classes.append(cls)
        operations = frozenset(data["operations"])
        targets = classes if classes is not None else list(self.model.classes.values())
        for key in ("hidden", "visible", "writable"):
            for j, name in enumerate(data.get(key, ())):
                holders = [c for c in targets if name in c.attributes or name in c.ends]
                if classes is not None and len(holders) != len(classes):
                    lacking = ", ".join(c.name for c in classes if c not in holders)
                    self.error(
                        (*at, key, j), "attribute", f"{lacking} has no attribute or end '{name}'"
                    )
                elif not holders:
                    self.error((*at, key, j), "attribute", f"no class of the model has '{name}'")
        if "writable" in data and not (operations & (_WRITES | {"*"})):
            self.error(
                (*at, "writable"), "writable", "writable needs the create or update operation"
            )
        rows = data.get("rows")
        if rows is not None:
            if classes is None:
                self.error((*at, "rows"), "rows", "a row rule needs explicit classes, not '*'")
            for cls in classes or ():
                self._rows(cls, rows, (*at, "rows"))
        if len(self.problems) > before:
            return None
        line, column = self.source.where(at)
        return Grant(
            role=role,
            classes=None if classes is None else frozenset(c.qid for c in classes),
            operations=operations,
            rows=rows,
            hidden=frozenset(data.get("hidden", ())),
            visible=frozenset(data["visible"]) if "visible" in data else None,
            writable=frozenset(data["writable"]) if "writable" in data else None,
            location=f"{self.source.display}:{line}:{column}",
        )

    def _class(self, ref: str, at: PathKey) -> ClassDef | None:
        try:
            return self.model.cls(ref)
        except KeyError as exc:
            names = sorted({q.rsplit("/", 1)[-1] for q in self.model.classes})
            hint = difflib.get_close_matches(ref.rsplit("/", 1)[-1], names, n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            self.error(at, "class", f"{exc.args[0]}{extra}")
            return None

    def _rows(self, cls: ClassDef, rows: Any, at: PathKey) -> None:
        scopes = [cls]
        # A query of an abstract ancestor that has a table applies this rule there as well.
        for ancestor in cls.ancestors:
            acls = self.model.classes[ancestor]
            if acls.abstract and acls.collection_root is not None:
                scopes.append(acls)
        for scope in scopes:
            if scope.abstract and scope.collection_root is None:
                continue
            before = len(self.problems)
            for where, code, message in check_filter(self.storage, scope.qid, rows, at):
                if scope is not cls:
                    message = f"in a query of {scope.name}: {message}"
                self.error(where, code, message)
            if len(self.problems) > before:
                break  # one scope's problems are enough; the rest would repeat them

    def _schema_problem(self, error: SchemaError) -> None:
        path: PathKey = tuple(error.absolute_path)
        instance = error.instance
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        if error.validator == "additionalProperties" and isinstance(instance, dict):
            allowed = sorted(schema.get("properties", {}))
            for key in (k for k in instance if k not in allowed):
                hint = difflib.get_close_matches(key, allowed, n=1)
                tail = (
                    f" (did you mean '{hint[0]}'?)" if hint else f"; allowed: {', '.join(allowed)}"
                )
                self.error((*path, key), "schema", f"unknown key '{key}'{tail}", key=True)
            return
        if "propertyNames" in error.absolute_schema_path:
            self.error(
                (*path, str(instance)),
                "schema",
                f"'{instance}' is not a valid role name (lower case letters, digits, _ and -)",
                key=True,
            )
            return
        if error.validator == "required":
            self.error(
                path, "schema", error.message.replace("is a required property", "is missing")
            )
            return
        if error.validator == "enum":
            expected = error.validator_value
            options = ", ".join(str(o) for o in expected) if isinstance(expected, list) else ""

            self.error(path, "schema", f"'{instance}' is not one of: {options}")
            return
        if error.validator == "pattern" and path and path[-2:-1] == ("operations",):
            self.error(
                path,
                "schema",
                f"unknown operation '{instance}'; use read, read_sensitive, create, update, "
                "archive, erase, command:<name>, command:* or *",
            )
            return
        self.error(path, "schema", error.message)


def _most_specific(error: SchemaError) -> SchemaError:
    """For oneOf failures, the alternative that got furthest explains the problem best."""
    while error.context:
        best = max(
            error.context,
            key=lambda e: (len(e.absolute_path), e.validator not in ("type", "const", "required")),
        )
        if len(best.absolute_path) <= len(error.absolute_path) and best.validator in (
            "type",
            "const",
        ):
            break
        error = best
    return error


def paths_of_order(order_by: Sequence[Any] | None) -> list[str]:
    """The attribute paths of an order-by list (`-name`, `{"attr": ..., "direction": ...}`)."""
    paths: list[str] = []
    for item in order_by or ():
        if isinstance(item, str):
            paths.append(item.lstrip("-+"))
        elif isinstance(item, Mapping) and isinstance(item.get("attr"), str):
            paths.append(item["attr"])
    return paths
