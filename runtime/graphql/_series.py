"""Series fields: `energy(codes, from, to, resolution, aggregate, timeZone)` on the owning class.

The values live in the series store (`meshkit.runtime.series`), keyed by the owner's natural
key — the class's single-attribute unique string index (`metering_point_id`), or its id when it
has none. Like association fields, the first row of a level that resolves the field reads the
buckets for *every* row of the level with one `SeriesStore.read` (sums — or minima, maxima —
and the quality mix computed in the database) and caches them on the level; the rest find
their part there.

Rows are already row-checked and masked: an owner whose key column the caller may not see
gets no values (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from meshkit.ck.model import ClassDef, SeriesDef, TypeKind
from meshkit.runtime.errors import FieldError, ValidationError
from meshkit.runtime.graphql._batches import Resolver, Row, context_of, freeze
from meshkit.runtime.graphql._context import Info, RequestContext
from meshkit.runtime.series import DEFAULT_TIME_ZONE, SeriesError, SeriesStore

RESOLUTIONS = {
    "quarter_hour": "PT15M",
    "hour": "PT1H",
    "day": "P1D",
    "month": "P1M",
    "year": "P1Y",
}
AGGREGATES = ("sum", "avg", "min", "max")
MAX_BUCKETS_PER_OWNER = 50_000  # ~ 17 months of quarter-hours


def series_key(cls: ClassDef) -> str:
    """The attribute whose value keys the class's series in the store."""
    for index in cls.indexes:
        if index.unique and len(index.attributes) == 1:
            attr = cls.attributes.get(index.attributes[0])
            if attr is not None and attr.type.kind is TypeKind.STRING:
                return attr.name
    return "id"


def store_of(context: RequestContext) -> SeriesStore:
    if context.series is None:
        context.series = SeriesStore(context.repository.engine, context.repository.model)
    return context.series


def series_field(cls: ClassDef, definition: SeriesDef) -> Resolver:
    key_attr = series_key(cls)
    series_ref = f"{definition.declared_in}.{definition.name}"
    qualities = definition.qualities
    owners = frozenset((cls.qid, *cls.descendants))  # a level may mix kinds: only these have it

    def resolve(row: Row, info: Info, **args: Any) -> list[dict[str, Any]]:
        key = row.entity.get(key_attr)
        if key is None:
            return []
        cache_key = ("series", series_ref, freeze(args))
        loaded: dict[str, list[dict[str, Any]]] | None = row.level.cache.get(cache_key)
        if loaded is None:
            keys = sorted(
                {
                    str(k)
                    for r in row.level.rows
                    if r.entity.get("type") in owners and (k := r.entity.get(key_attr))
                }
            )
            loaded = _read(context_of(info), series_ref, qualities, keys, args)
            row.level.cache[cache_key] = loaded
        return loaded.get(str(key), [])

    return resolve


def _read(
    context: RequestContext,
    series_ref: str,
    qualities: tuple[str, ...],
    keys: list[str],
    args: Mapping[str, Any],
) -> dict[str, list[dict[str, Any]]]:
    start: datetime = args["from_"]
    end: datetime = args["to"]
    resolution = RESOLUTIONS[args.get("resolution") or "hour"]
    aggregate = args.get("aggregate") or "sum"
    tz = args.get("time_zone") or DEFAULT_TIME_ZONE
    codes = args.get("codes")
    if not keys:
        return {}
    spans = {"PT15M": 900, "PT1H": 3600, "P1D": 86400, "P1M": 28 * 86400, "P1Y": 365 * 86400}
    if (end - start).total_seconds() / spans[resolution] > MAX_BUCKETS_PER_OWNER:
        raise ValidationError(
            "too many buckets",
            [
                FieldError(
                    "range",
                    ("to",),
                    f"at most {MAX_BUCKETS_PER_OWNER} buckets per owner: "
                    "shorten the range or choose a coarser resolution",
                )
            ],
        )
    try:
        frame = store_of(context).read(
            series_ref,
            keys,
            codes,
            start,
            end,
            resolution,
            tz,
            tenant=context.uow.tenant,
            connection=context.uow.connection,
            measure=aggregate if aggregate in ("min", "max") else "sum",  # avg: sum / count
        )
    except SeriesError as exc:
        raise ValidationError(str(exc), [FieldError("series", (), str(exc))]) from None
    result: dict[str, list[dict[str, Any]]] = {}
    for item in frame.iter_rows(named=True):
        count = int(item["count"] or 0)
        value: Decimal | None = item["value"]
        mix = []
        for quality in qualities:
            q_count = int(item.get(f"count_{quality}") or 0)
            if q_count:
                mix.append(
                    {
                        "quality": quality,
                        "value": _aggregate(aggregate, item.get(f"value_{quality}"), q_count),
                        "count": q_count,
                    }
                )
        result.setdefault(item["key"], []).append(
            {
                "code": item["code"],
                "start": item["start"],
                "end": item["end"],
                "value": _aggregate(aggregate, value, count),
                "count": count,
                "expected": int(item["expected"]),
                "complete": count >= int(item["expected"]),
                "qualities": mix,
            }
        )
    return result


def _aggregate(function: str, total: Decimal | None, count: int) -> Decimal | None:
    if total is None:
        return None
    if function == "avg":
        return (Decimal(total) / count).quantize(Decimal("0.000001")) if count else None
    return Decimal(total)


__all__ = ["AGGREGATES", "RESOLUTIONS", "series_field", "series_key"]
