"""One port: formsvc's routes go to formsvc, everything else is a file from output/."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import Client

from formsvc.server.serve import prepare
from formsvc.server.site import PortalApp


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
