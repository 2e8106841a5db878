"""Fixtures for the search tests: real Whoosh indexes in temporary folders, a Flask app with the
search blueprint rendering through the real theme, and a real Pelican build with the plugin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from sitesearch import indexer, query
from sitesearch.fields import DEFAULT_SITE
from sitesearch.indexer import Document
from tests.conftest import ROOT, TEST_SITE, build_site

SITE = DEFAULT_SITE  # the site every document of CORPUS belongs to
SITE_KEYS = ("SITENAME", "SITEURL", "SITE_DOMAIN", "SITE_ID_CODE", "FOOTER", "SECTIONS",
             "COLUMN_META")


def make_doc(n: int, **kw) -> Document:
    """A document with sensible defaults; ``kw`` overrides any field."""
    values = dict(
        path=f"xxgk/wj/2024/doc-{n}.md", url=f"/xxgk/wj/doc-{n}.html", title=f"文件{n}",
        body="", section="xxgk", section_label="信息公开", doctype="disclosure",
        doctype_label="信息公开文件", dept="xzfb", dept_name="示范县人民政府办公室",
        topic="综合政务", date=dt.datetime(2024, 1, 1) + dt.timedelta(days=n),
    )
    values.update(kw)
    return Document(**values)


# A small corpus with the hard cases of Chinese search.
CORPUS = [
    make_doc(1, title="示范县行政审批服务局关于优化营商环境的通知",
             body="推进行政审批制度改革，压缩审批时限。", dept="xzspj",
             dept_name="示范县行政审批服务局", doc_no="示审批〔2024〕3号",
             index_no="01150015-5/2024-00003", topic="综合政务"),
    make_doc(2, title="2024年政府信息公开工作要点",
             body="做好政府信息公开工作，依申请公开按期答复。根据示审批〔2024〕3号文件执行。",
             doc_no="示政办〔2024〕12号", index_no="01150001-1/2024-00012",
             topic="综合政务"),
    make_doc(3, title="县政府召开常务会议", body="会议研究了公共服务和城乡建设等事项。",
             path="zwdt/2023-cwhy.md", url="/zwdt/yw/2023-cwhy.html", section="zwdt",
             section_label="政务动态", doctype="news", doctype_label="政务动态", topic="",
             date=dt.datetime(2023, 5, 6)),
    make_doc(4, title="最低生活保障审核确认", body="申请低保需要提交身份证和户口簿。",
             path="bsfw/dibao.md", url="/bsfw/zn/dibao.html", section="bsfw",
             section_label="办事服务", doctype="guide", doctype_label="办事指南",
             dept="mzj", dept_name="示范县民政局", topic=""),
    make_doc(5, title="关于<script>alert(1)</script>的说明", body="正文含有 <b>尖括号</b> & 符号，审批。",
             topic="其他"),
]


@pytest.fixture
def index_dir(tmp_path) -> Path:
    """A built index of CORPUS (a fresh folder per test)."""
    path = tmp_path / "_search"
    indexer.build(path, CORPUS)
    yield path


@pytest.fixture
def run(index_dir) -> Callable[..., query.SearchResult]:
    """Search the CORPUS index with request-style arguments."""

    def _run(letters_dir: Path | None = None, **args) -> query.SearchResult:
        return query.search(query.parse_params(args), index_dir, letters_dir)

    return _run


def make_app(index_dir: Path, letters_dir: Path) -> Flask:
    """A Flask app with only the search page and the API (for /api/v1/search), rendering through
    the real theme."""
    import formsvc.api
    import formsvc.search
    import pelicanconf

    app = Flask("search_test", root_path=str(ROOT / "formsvc"))
    app.config.update(TESTING=True, SEARCH_INDEX_DIR=str(index_dir),
                      SEARCH_LETTERS_DIR=str(letters_dir))
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(ROOT / "theme" / "templates"))])
    app.jinja_env.globals.update({k: getattr(pelicanconf, k) for k in SITE_KEYS})
    app.register_blueprint(formsvc.search.bp)
    app.register_blueprint(formsvc.api.bp)
    return app


@pytest.fixture
def client(index_dir, tmp_path):
    return make_app(index_dir, tmp_path / "letters").test_client()


@pytest.fixture(scope="session")
def built_search_site(tmp_path_factory) -> Path:
    """tests/data/site built by real Pelican with the searchindex plugin; returns the output."""
    import pelicanconf

    out = tmp_path_factory.mktemp("search-site") / "output"
    plugins = [p for p in pelicanconf.PLUGINS if (ROOT / "plugins" / p).is_dir()]
    build_site(TEST_SITE, out, PLUGINS=[*plugins, "searchindex"])
    return out
