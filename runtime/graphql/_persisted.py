"""Persisted queries: clients send a query's SHA-256 instead of its text.

Automatic persisted queries (the protocol Apollo Client's `createPersistedQueryLink` and urql's
`persistedExchange` speak, version 1): a request carries
`extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}`. Without a `query`, the
server looks the hash up; when it does not know it, the answer is the error
`PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`) and the client sends the hash with
the full query once, which the server checks against the hash and keeps. Small GET requests then
carry only the hash, so they fit in a URL and a CDN or browser may cache them.

A **manifest** (a JSON object of hash -> query text, or a list of query texts, e.g. what a build
of the apps extracts) registers queries up front. With `only=True` the server answers nothing
else: a query whose hash is not in the manifest is refused (`PERSISTED_QUERY_NOT_ALLOWED`) —
a client can then run only the operations the apps were built with, whatever it sends.

Learned queries are kept per server process, the most recently used 1,000 (a client whose hash
was forgotten just sends the text again).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError

_HASH = re.compile(r"^[0-9a-f]{64}$")

#: Queries learned from clients, kept per process.
CAPACITY = 1000


class PersistedQueryError(GraphQLError):
    """A persisted-query request the server cannot answer; the client may send the text."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


class ManifestError(ValueError):
    """A manifest file that is not what it must be (says what and where)."""


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """hash -> query from a JSON file: an object of hash -> query text, or a list of texts."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, list):
        items = [(None, q) for q in data]
    elif isinstance(data, dict):
        items = list(data.items())
    else:
        raise ManifestError(f"{path}: expected an object of hash -> query or a list of queries")
    manifest: dict[str, str] = {}
    for position, (given, query) in enumerate(items):
        where = f"{path}: entry {given if given is not None else position}"
        if not isinstance(query, str) or not query.strip():
            raise ManifestError(f"{where}: the query must be a non-empty string")
        digest = sha256(query)
        if given is not None and given.lower() != digest:
            raise ManifestError(f"{where}: the hash is not the SHA-256 of the query ({digest})")
        manifest[digest] = query
    return manifest


class PersistedQueries:
    """The queries a server knows by hash: a manifest's and (unless `only`) learned ones."""

    def __init__(
        self,
        manifest: Mapping[str, str] | None = None,
        *,
        only: bool = False,
        capacity: int = CAPACITY,
    ) -> None:
        if only and manifest is None:
            raise ValueError("persisted queries only: give the manifest of allowed queries")
        self.manifest = dict(manifest or {})
        self.only = only
        self.capacity = capacity
        self._learned: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The query to run (None: the request has none); PersistedQueryError when the hash
        is unknown, does not match the text, or — with `only` — names no allowed query."""
        found = (extensions or {}).get("persistedQuery")
        if found is None:
            if self.only and query is not None and sha256(query) not in self.manifest:
                raise PersistedQueryError(
                    "only persisted queries are allowed: send the hash of a registered query",
                    "PERSISTED_QUERY_NOT_ALLOWED",
                )
            return query
        if not isinstance(found, Mapping) or found.get("version") != 1:
            raise PersistedQueryError(
                "persistedQuery: version 1 with a sha256Hash is supported",
                "PERSISTED_QUERY_NOT_SUPPORTED",
            )
        digest = found.get("sha256Hash")
        if not isinstance(digest, str) or not _HASH.match(digest.lower()):
            raise PersistedQueryError(
                "persistedQuery.sha256Hash must be 64 hexadecimal digits", "BAD_REQUEST"
            )
        digest = digest.lower()
        if query is None:
            known = self._known(digest)
            if known is None:
                # The exact message Apollo's and urql's links look for before sending the text
                raise PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            return known
        if sha256(query) != digest:
            raise PersistedQueryError(
                "persistedQuery.sha256Hash is not the SHA-256 of the query",
                "PERSISTED_QUERY_HASH_MISMATCH",
            )
        if digest not in self.manifest:
            if self.only:
                raise PersistedQueryError(
                    "only persisted queries are allowed: this one is not registered",
                    "PERSISTED_QUERY_NOT_ALLOWED",
                )
            self._learn(digest, query)
        return query

    def _known(self, digest: str) -> str | None:
        found = self.manifest.get(digest)
        if found is not None:
            return found
        with self._lock:
            found = self._learned.get(digest)
            if found is not None:
                self._learned.move_to_end(digest)
        return found

    def _learn(self, digest: str, query: str) -> None:
        with self._lock:
            self._learned[digest] = query
            self._learned.move_to_end(digest)
            while len(self._learned) > self.capacity:
                self._learned.popitem(last=False)


__all__ = [
    "ManifestError",
    "PersistedQueries",
    "PersistedQueryError",
    "load_manifest",
    "sha256",
]
