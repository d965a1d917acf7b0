"""GET /content/{id}: the stored bytes of a file entity, for whoever may read that entity.

A *file class* is a class with exactly one `binary` attribute (energy community: `Document`
with `content`, `EdaMessage` with `payload`). The attribute holds a reference, `content:<id>`,
to a row of `meshkit_content` (meshkit.runtime.content); this route sends those bytes.

Who may download is decided exactly as for GraphQL (docs/security.md): the unit of work is
opened in the caller's tenant, the entity is looked up with `Policy.secure_filter` (the class's
row rules: a member only their own documents), and the binary attribute must be visible in
clear to the caller (`clear_attributes`: staff may read an EdaMessage but not its payload).

- no credentials → 401 (as /graphql);
- an id that does not exist, is in another tenant, or is outside the caller's rows → the same
  404, so ids cannot be probed;
- a readable entity whose content column the caller may not see → 403 (`attribute-hidden`);
  the caller could see the entity anyway, so this reveals nothing;
- a readable entity without stored bytes (a reference to another store, or none) → 404 that
  says so.

The response carries the entity's media type (`media_type` or `<attribute>_media_type`, else
the stored one), `Content-Disposition` with its `file_name` (`attachment`; `?inline=1` shows
PDFs and images in the browser), `Cache-Control: private, no-store` (private data must not stay
in shared or browser caches), `X-Content-Type-Options: nosniff`, and — for anything but a PDF —
a sandboxing Content-Security-Policy, so an uploaded HTML file cannot run in the app's origin.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

import anyio.to_thread
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from meshkit.ck.model import CompiledModel, TypeKind
from meshkit.runtime import Entity, Repository, UnitOfWork
from meshkit.runtime.auth import PermissionDenied, Policy, Principal
from meshkit.runtime.auth.starlette import forbidden, principal_of
from meshkit.runtime.content import CONTENT_PREFIX, content

if TYPE_CHECKING:
    from meshkit.runtime.query import Filter

log = logging.getLogger("meshkit.graphql.content")
CONTENT_PATH = "/content/{entity_id}"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_MEDIA_TYPE = re.compile(r"^[a-z]+/[A-Za-z0-9.+-]+$")
_INLINE = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)
_OCTETS = "application/octet-stream"


@dataclass(frozen=True)
class FileClass:
    qid: str
    attribute: str


@dataclass(frozen=True)
class StoredFile:
    payload: bytes
    media_type: str
    file_name: str


class NoStoredContent(Exception):
    """The entity is readable but its reference points at no stored bytes."""


def file_classes(model: CompiledModel) -> list[FileClass]:
    """Classes that declare the one binary attribute they have (descendants share it)."""
    found: list[FileClass] = []
    for cls in model.classes.values():
        binary = [n for n, a in cls.attributes.items() if a.type.kind is TypeKind.BINARY]
        if len(binary) == 1 and binary[0] in cls.own_attributes:
            found.append(FileClass(cls.qid, binary[0]))
    return sorted(found, key=lambda f: f.qid)


def find_file(
    repository: Repository, policy: Policy | None, principal: Principal, entity_id: str
) -> StoredFile | None:
    """The file `entity_id` as `principal` may read it: None when not found (or not theirs),
    PermissionDenied when its content column is hidden, NoStoredContent when it has no bytes."""
    if not _ID.match(entity_id) or principal.tenant is None:
        return None
    with repository.unit_of_work(tenant=principal.tenant, actor=principal.actor) as uow:
        for file_class in file_classes(repository.model):
            by_id: Filter = {"attr": "id", "op": "eq", "value": entity_id}
            if policy is not None:
                if not policy.allows(principal, file_class.qid, "read"):
                    continue
                by_id = policy.secure_filter(principal, file_class.qid, by_id) or by_id
            items = uow.find(file_class.qid, by_id, first=1).items
            if items:
                return _stored(uow, policy, principal, file_class, items[0])
    return None


def _stored(
    uow: UnitOfWork,
    policy: Policy | None,
    principal: Principal,
    file_class: FileClass,
    entity: Entity,
) -> StoredFile:
    """The bytes and description of a file entity the principal may read."""
    model = uow.repository.model
    entity_id = str(entity["id"])
    concrete = str(entity.get("type") or file_class.qid)
    name = model.classes[concrete].name if concrete in model.classes else concrete
    clear = policy.clear_attributes(principal, concrete) if policy is not None else None
    if clear is not None and file_class.attribute not in clear:
        raise PermissionDenied(
            concrete,
            "read",
            f"you may read this {name} but not its {file_class.attribute}",
            code="attribute-hidden",
            attribute=file_class.attribute,
        )

    def shown(attribute: str) -> str | None:
        value = entity.get(attribute)
        if not isinstance(value, str) or (clear is not None and attribute not in clear):
            return None
        return value

    reference = entity.get(file_class.attribute)
    if not isinstance(reference, str) or not reference.startswith(CONTENT_PREFIX):
        raise NoStoredContent(f"{name} '{entity_id}' has no content in the content store")
    row = uow.connection.execute(
        sa.select(content.c.payload, content.c.media_type).where(
            content.c.tenant == uow.tenant,
            content.c.id == reference.removeprefix(CONTENT_PREFIX),
        )
    ).first()
    if row is None:
        raise NoStoredContent(f"the content of {name} '{entity_id}' is missing")
    candidates = (
        shown("media_type"),
        shown(f"{file_class.attribute}_media_type"),
        str(row.media_type),
    )
    media_type = next((m for m in candidates if m and _MEDIA_TYPE.match(m)), _OCTETS)
    file_name = shown("file_name") or _default_name(entity_id, media_type)
    return StoredFile(bytes(row.payload), media_type, file_name)


def _default_name(entity_id: str, media_type: str) -> str:
    return entity_id + (mimetypes.guess_extension(media_type) or "")


def content_disposition(file_name: str, inline: bool) -> str:
    """RFC 6266: an ASCII fallback name and the UTF-8 name (RFC 8187)."""
    cleaned = "".join(c for c in file_name if c >= " " and c not in "\x7f/\\") or "file"
    fallback = "".join(c if " " <= c < "\x7f" and c not in '"%;' else "_" for c in cleaned)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def _not_found(message: str) -> JSONResponse:
    return JSONResponse({"error": "not-found", "message": message}, 404, headers=_NO_STORE)


_NO_STORE = {"Cache-Control": "private, no-store"}


async def download(request: Request) -> Response:
    principal = principal_of(request)
    entity_id = str(request.path_params["entity_id"])
    if principal.is_anonymous or not principal.tenant:
        return JSONResponse(
            {
                "error": "unauthenticated",
                "reason": "unauthenticated",
                "message": "sign in: send Authorization: Bearer <token> or X-API-Key",
            },
            401,
            headers={"WWW-Authenticate": "Bearer", **_NO_STORE},
        )
    live = await request.app.state.live.refresh()
    try:
        found = await anyio.to_thread.run_sync(
            find_file, live.repository, live.policy, principal, entity_id
        )
    except PermissionDenied as exc:
        response = forbidden(exc)
        response.headers.update(_NO_STORE)
        return response
    except NoStoredContent as exc:
        return _not_found(str(exc))
    if found is None:
        return _not_found(f"no file with id '{entity_id}'")
    inline = request.query_params.get("inline") in ("1", "true") and found.media_type in _INLINE
    headers = {
        "Content-Disposition": content_disposition(found.file_name, inline),
        "X-Content-Type-Options": "nosniff",
        **_NO_STORE,
    }
    if found.media_type != "application/pdf":  # Chrome's PDF viewer does not run sandboxed
        headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    log.debug("content %s sent to %s", entity_id, principal.actor)
    return Response(found.payload, media_type=found.media_type, headers=headers)


def content_route() -> Route:
    """The route `create_app` adds (it reads the live schema from `app.state.live`)."""
    return Route(CONTENT_PATH, download, methods=["GET"])


__all__ = [
    "CONTENT_PATH",
    "FileClass",
    "NoStoredContent",
    "StoredFile",
    "content_disposition",
    "content_route",
    "file_classes",
    "find_file",
]
