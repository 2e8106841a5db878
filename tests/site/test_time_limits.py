"""The time limits the static pages state are the ones formsvc applies (issue 18).

One source: ``formsvc.domain.kinds`` with formsvc's layered config (defaults, instance/config.py,
FORMSVC_* variables), read by the build through ``kinds.in_effect(formsvc.config.load())``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Config

from formsvc import config, create_app, db
from formsvc.db import migrate
from formsvc.domain import kinds
from tests.conftest import TEST_SITE, build_site

PROJECT_PAGE = "zsyz/xm/nongchanpin-lenglian.html"
DISCLOSURE_INDEX = "xxgk/index.html"
OVERRIDE = {"tz": 3, "ysqgk": 15}
EXTENSION_OVERRIDE = {"ysqgk": 10}


def text_of(output: Path, page: str) -> str:
    soup = BeautifulSoup((output / page).read_text(encoding="utf-8"), "html.parser")
    return re.sub(r"\s+", "", soup.get_text())


def test_the_pages_state_the_limits_of_formsvc_kinds(built_site):
    assert f"将在{kinds.get('tz').time_limit}个工作日内答复" in text_of(built_site, PROJECT_PAGE)
    assert (f"在线提交政府信息公开申请，{kinds.get('ysqgk').time_limit}个工作日内答复"
            in text_of(built_site, DISCLOSURE_INDEX))


def test_no_template_states_a_time_limit_by_hand():
    templates = Path(__file__).resolve().parents[2] / "theme" / "templates"
    by_hand = [f"{p.relative_to(templates)}: {m.group(0)}" for p in sorted(templates.rglob("*.html"))
               for m in re.finditer(r"\d+\s*个工作日", p.read_text(encoding="utf-8"))]
    assert by_hand == []


@pytest.mark.parametrize("layer", ["environment", "instance file"])
def test_a_time_limits_override_reaches_the_built_pages_and_formsvc(tmp_path, monkeypatch, layer):
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("FORMSVC_INSTANCE_PATH", str(instance))
    if layer == "environment":
        monkeypatch.setenv("FORMSVC_TIME_LIMITS", '{"tz": 3, "ysqgk": 15}')
        monkeypatch.setenv("FORMSVC_EXTENSION_LIMITS", '{"ysqgk": 10}')
    else:
        (instance / "config.py").write_text(
            f"TIME_LIMITS = {OVERRIDE!r}\nEXTENSION_LIMITS = {EXTENSION_OVERRIDE!r}\n",
            encoding="utf-8")

    out = build_site(TEST_SITE, tmp_path / "output")
    assert "将在3个工作日内答复" in text_of(out, PROJECT_PAGE)
    assert "在线提交政府信息公开申请，15个工作日内答复" in text_of(out, DISCLOSURE_INDEX)

    url = f"sqlite:///{tmp_path / 'formsvc.sqlite3'}"
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url,
                      "CONTENT_DIR": str(TEST_SITE), "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    listed = {k["code"]: k["time_limit"] for k in client.get("/api/v1/kinds").get_json()["kinds"]}
    assert (listed["tz"], listed["ysqgk"], listed["zx"]) == (3, 15, kinds.get("zx").time_limit)
    index = BeautifulSoup(client.get("/hdjl/").get_data(as_text=True), "html.parser")
    assert "答复时限 3 个工作日" in index.get_text()
    form = BeautifulSoup(client.get("/hdjl/ysqgk/new").get_data(as_text=True), "html.parser")
    assert "自收到申请之日起 15 个工作日内答复" in form.get_text()
    assert "经批准可延长不超过 10 个工作日" in form.get_text()
    db.get_engine(app).dispose()


def test_the_layers_are_read_as_flask_reads_them(tmp_path, monkeypatch):
    # formsvc.config.load replaced Flask's loaders so the build need not import Flask
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('TIME_LIMITS = {"zx": 3}\nNAME_MAX = 40\nlower = 1\n',
                                        encoding="utf-8")
    monkeypatch.setenv("FORMSVC_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("FORMSVC_CONTENT_MAX", "3000")
    monkeypatch.setenv("FORMSVC_TIME_LIMITS__ts", "15")
    monkeypatch.setenv("FORMSVC_AUDIT_LOG", "/var/log/formsvc audit")  # not JSON: kept as text
    reference = Config(str(instance))
    reference.from_object(config)
    reference.from_pyfile("config.py")
    reference.from_prefixed_env("FORMSVC")
    loaded = config.load()
    assert loaded == dict(reference)
    assert loaded["TIME_LIMITS"] == {"zx": 3, "ts": 15} and loaded["CONTENT_MAX"] == 3000
    assert "lower" not in loaded and config.TIME_LIMITS == {}
    assert config.load({"NAME_MAX": 20, "INSTANCE_PATH": str(tmp_path)})["NAME_MAX"] == 20


def test_a_nested_variable_never_changes_the_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("FORMSVC_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FORMSVC_EXTENSION_LIMITS__ysqgk", "10")
    assert config.load()["EXTENSION_LIMITS"] == {"ysqgk": 10}
    assert config.EXTENSION_LIMITS == {}
