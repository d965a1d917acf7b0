"""`web_routes()` serves the built apps: index.html, assets, the SPA fallback, cache headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from meshkit.apps.web import static
from meshkit.apps.web.static import DIST_ENV, default_dist, web_routes


def _dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    for name in ("app", "portal"):
        (dist / name / "assets").mkdir(parents=True)
        (dist / name / "index.html").write_text(
            f'<!doctype html><title>{name}</title><script src="/{name}/assets/main-abc123.js">',
            encoding="utf-8",
        )
        (dist / name / "assets" / "main-abc123.js").write_text(
            f"console.log('{name}')", encoding="utf-8"
        )
    return dist


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(Starlette(routes=web_routes(_dist(tmp_path))))


@pytest.mark.parametrize("name", ["app", "portal"])
def test_index_is_served_and_revalidated(client: TestClient, name: str) -> None:
    response = client.get(f"/{name}/")
    assert response.status_code == 200
    assert f"<title>{name}</title>" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


def test_bare_prefix_redirects_to_the_app(client: TestClient) -> None:
    response = client.get("/app", follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"].endswith("/app/")


@pytest.mark.parametrize("name", ["app", "portal"])
def test_assets_are_served_with_long_caching(client: TestClient, name: str) -> None:
    response = client.get(f"/{name}/assets/main-abc123.js")
    assert response.status_code == 200
    assert response.text == f"console.log('{name}')"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_client_side_routes_fall_back_to_index(client: TestClient) -> None:
    for path in ("/app/meteringPoints", "/app/meteringPoints/123/edit", "/portal/documents"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<!doctype html>" in response.text
        assert response.headers["cache-control"] == "no-cache"


def test_missing_files_are_404_not_index(client: TestClient) -> None:
    assert client.get("/app/assets/gone-999.js").status_code == 404
    assert client.get("/app/favicon.ico").status_code == 404


def test_no_path_escapes_the_dist_folder(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    response = client.get("/app/../../secret.txt")
    assert "secret" not in response.text


def test_unbuilt_apps_answer_with_a_hint(tmp_path: Path) -> None:
    client = TestClient(Starlette(routes=web_routes(tmp_path / "nothing")))
    response = client.get("/portal/")
    assert response.status_code == 404
    assert "make web" in response.text


def test_dist_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DIST_ENV, str(tmp_path))
    assert default_dist() == tmp_path
    monkeypatch.delenv(DIST_ENV)
    assert default_dist() == Path(static.__file__).resolve().parent / "dist"
