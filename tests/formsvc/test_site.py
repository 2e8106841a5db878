"""One port: formsvc's routes go to formsvc, everything else is a file from output/."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import Client

from formsvc.server.serve import prepare
from formsvc.server.site import BUILD_FILES, PortalApp
from tests.conftest import ROOT


@pytest.fixture
def portal(app: Flask, tmp_path: Path) -> Client:
    out = tmp_path / "output"
    (out / "xxgk").mkdir(parents=True)
    (out / "index.html").write_text("<h1>首页</h1>", encoding="utf-8")
    (out / "xxgk" / "index.html").write_text("<h1>信息公开</h1>", encoding="utf-8")
    (out / "404.html").write_text("<h1>页面不存在</h1>", encoding="utf-8")
    theme = tmp_path / "theme-static"
    (theme / "css").mkdir(parents=True)
    (theme / "css" / "site.css").write_text("body{}", encoding="utf-8")
    return BufferedClient(PortalApp(app, out, theme))


class BufferedClient(Client):
    # buffered: the file a static response streams from is closed when the test has the body
    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def test_static_pages_and_directories(portal: Client) -> None:
    r = portal.get("/")
    assert r.status_code == 200 and "首页" in r.get_data(as_text=True)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert portal.get("/xxgk/").get_data(as_text=True) == "<h1>信息公开</h1>"
    redirect = portal.get("/xxgk")
    assert redirect.status_code == 301 and redirect.headers["Location"] == "/xxgk/"


def test_missing_files_get_the_404_page(portal: Client) -> None:
    r = portal.get("/nothing.html")
    assert r.status_code == 404 and "页面不存在" in r.get_data(as_text=True)
    assert portal.get("/../../etc/passwd").status_code == 404
    assert portal.post("/index.html").status_code == 405


@pytest.mark.parametrize("path", ["/_search/CURRENT", "/_cluster/manifest.json", "/cgz/_cluster/manifest.json",
                                  "/_cluster/logs/county.log", "/_cluster"])
def test_the_builds_own_files_are_never_served(portal: Client, tmp_path: Path, path: str) -> None:
    target = tmp_path / "output" / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_text("internal", encoding="utf-8")
    r = portal.get(path)
    assert r.status_code == 404 and "页面不存在" in r.get_data(as_text=True)


def test_nginx_hides_the_same_paths_as_the_dev_server() -> None:
    conf = (ROOT / "deploy" / "nginx" / "portal-locations.conf").read_text(encoding="utf-8")
    assert f"location ~ {BUILD_FILES.pattern} {{ return 404; }}" in conf


def test_theme_assets_fall_back_to_the_theme(portal: Client) -> None:
    r = portal.get("/theme/css/site.css")
    assert r.status_code == 200 and r.get_data(as_text=True) == "body{}"


def test_service_paths_go_to_formsvc(portal: Client) -> None:
    assert "互动交流" in portal.get("/hdjl/").get_data(as_text=True)
    assert portal.get("/hdjl/zx/new").status_code == 200
    api = portal.get("/api/v1/nothing")
    assert api.status_code == 404 and api.get_json()["code"] == "not_found"
    assert portal.get("/api/v1/kinds").get_json()["kinds"][0]["code"] == "zx"


def test_prepare_migrates_and_syncs(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    prepare(app)
    assert "机构同步" in capsys.readouterr().out
