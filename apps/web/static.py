"""Serving the built web apps: `dist/app` at /app/ and `dist/portal` at /portal/.

    from meshkit.apps.web.static import web_routes
    app.router.routes.extend(web_routes())

Both are single-page apps: a path that is not a file (`/app/meteringPoints/42`) gets the
app's index.html, so deep links and reloads work; the browser-side router takes over. Built
assets carry a content hash in their name and are cached for a year; index.html is revalidated
on every load, so a new build is picked up at once. Without a build (`make web` makes one) the
routes answer 404 with a hint instead of failing the server.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

DIST_ENV = "MESHKIT_WEB_DIST"
APPS = ("app", "portal")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def default_dist() -> Path:
    """`$MESHKIT_WEB_DIST`, else apps/web/dist next to this file."""
    configured = os.environ.get(DIST_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parent / "dist"


class SinglePageApp(StaticFiles):
    """Static files with the index.html fallback of a single-page app."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, html=True)

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or not _is_page(path):
                raise
            response = await super().get_response("index.html", scope)
        if response.status_code == 200:
            hashed = path.startswith(("assets/", "assets" + os.sep))
            response.headers["Cache-Control"] = IMMUTABLE if hashed else REVALIDATE
        return response


def _is_page(path: str) -> bool:
    """A client-side route, not a missing file: no extension and not under assets/."""
    last = path.replace(os.sep, "/").rsplit("/", 1)[-1]
    return not path.startswith("assets") and "." not in last


class NotBuilt:
    """Stands in for an app that has not been built."""

    def __init__(self, name: str, directory: Path) -> None:
        self.message = (
            f"The {name} web app is not built ({directory} has no index.html). "
            "Run `make web` and restart the server."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse(self.message, status_code=404)(scope, receive, send)


def web_routes(dist: Path | None = None) -> list[Mount]:
    """Mounts for /app and /portal, serving `dist/app` and `dist/portal`."""
    root = dist if dist is not None else default_dist()
    routes: list[Mount] = []
    for name in APPS:
        directory = root / name
        if (directory / "index.html").is_file():
            routes.append(Mount(f"/{name}", app=SinglePageApp(directory), name=f"web-{name}"))
        else:
            routes.append(Mount(f"/{name}", app=NotBuilt(name, directory), name=f"web-{name}"))
    return routes
