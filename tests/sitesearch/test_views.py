"""/search (HTML, no JavaScript needed) and /api/v1/search (JSON) through a real Flask app."""

from __future__ import annotations

import shutil
from datetime import date
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from bs4 import BeautifulSoup

from formsvc.api import search as openapi
from sitesearch import letters, query
from tests.sitesearch.conftest import make_app


def page(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    assert len(soup.find_all("h1")) == 1
    return soup


def test_results_page_works_with_plain_links_and_a_get_form(client):
    soup = page(client, "/search?q=审批")
    form = soup.select_one("main form[role=search]")
    assert form["method"] == "get" and form["action"] == "/search"
    assert form.select_one("input[name=q]")["value"] == "审批"
    assert "找到 3 条" in soup.select_one(".gp-search-results__count").get_text()
    items = soup.select(".gp-search-results__item")
    assert len(items) == 3
    first = items[0]
    assert first.select_one("a")["href"] == "/xxgk/wj/doc-1.html"
    assert first.select_one("mark").get_text() == "审批"
    assert "示审批〔2024〕3号" in first.get_text()
    # every filter is a link: no script needed to narrow the results
    dept_links = {a.get_text(" ", strip=True): a["href"] for a in soup.select("#facet-dept ~ ul a")}
    href = next(h for text, h in dept_links.items() if text.startswith("示范县行政审批服务局"))
    assert parse_qs(urlsplit(href).query) == {"q": ["审批"], "dept": ["xzspj"]}
    filtered = page(client, href)
    assert "找到 1 条" in filtered.select_one(".gp-search-results__count").get_text()
    remove = filtered.select_one(".gp-search-results__filters a")["href"]
    assert parse_qs(urlsplit(remove).query) == {"q": ["审批"]}
    # the other order is a link too
    sort = {a.get_text(): a["href"] for a in soup.select(".gp-search-results__sort a")}
    assert parse_qs(urlsplit(sort["按日期"]).query)["sort"] == ["date"]


def test_breadcrumb_title_and_theme_frame(client):
    soup = page(client, "/search?q=审批")
    assert soup.title.get_text().startswith("审批 - 搜索结果")
    assert soup.select_one(".gp-breadcrumb") is not None
    # one search box: the page's own, which holds the query; the header's is left out
    assert soup.select_one("header form[role=search]") is None
    assert [f.input["value"] for f in soup.select("form[role=search]")] == ["审批"]
    assert soup.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")


def test_html_in_documents_is_escaped(client):
    html = client.get("/search?q=审批&dept=xzfb").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_pagination_links(index_dir, tmp_path):
    from sitesearch import indexer
    from tests.sitesearch.conftest import make_doc

    indexer.build(index_dir, [make_doc(n, body="乡村振兴") for n in range(25)])
    query.close_all()
    client = make_app(index_dir, tmp_path / "letters").test_client()
    soup = page(client, "/search?q=乡村振兴")
    assert len(soup.select(".gp-search-results__item")) == 10
    nav = soup.select_one("nav.gp-pagination")
    nxt = nav.select_one("a[rel=next]")["href"]
    assert parse_qs(urlsplit(nxt).query)["page"] == ["2"]
    last = page(client, "/search?q=乡村振兴&page=3")
    assert len(last.select(".gp-search-results__item")) == 5
    assert last.select_one(".gp-search-results__list")["start"] == "21"


def test_no_results_gives_help_and_section_links(client):
    soup = page(client, "/search?q=不存在的词语")
    assert "找到 0 条" in soup.get_text()
    help_box = soup.select_one(".gp-search-help")
    assert "错别字" in help_box.get_text() and "示政办[2024]12号" in help_box.get_text()
    assert {a["href"] for a in help_box.select("a")} >= {"/xxgk/", "/bsfw/", "/hdjl/zx/new"}


def test_empty_query_shows_the_form_and_tips(client):
    soup = page(client, "/search")
    assert soup.select_one(".gp-search-help") is not None
    assert soup.select_one(".gp-search-results") is None


def test_bad_parameters_are_a_400_with_a_chinese_message(client):
    soup = page(client, "/search?q=审批&year=abc", status=400)
    assert "年份应为四位数字" in soup.get_text()


def test_missing_index_is_a_503_in_chinese_and_the_app_keeps_working(tmp_path):
    app = make_app(tmp_path / "no-index", tmp_path / "letters")

    @app.get("/hello")
    def hello():
        return "ok"

    client = app.test_client()
    soup = page(client, "/search?q=审批", status=503)
    assert "站内搜索暂时无法使用" in soup.get_text()
    resp = client.get("/api/v1/search?q=审批")
    assert resp.status_code == 503
    assert resp.get_json()["code"] == "search_unavailable"
    assert client.get("/hello").get_data(as_text=True) == "ok"


def test_index_deleted_while_running_is_a_503_not_a_500(index_dir, tmp_path):
    client = make_app(index_dir, tmp_path / "letters").test_client()
    assert client.get("/search?q=审批").status_code == 200
    query.close_all()
    shutil.rmtree(index_dir)
    assert client.get("/search?q=审批").status_code == 503


def _validator(name):
    root = {"components": {"schemas": {
        **openapi.SCHEMAS,
        "Error": {"type": "object", "required": ["code", "message"],
                  "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
    }}, "$ref": f"#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(root)


def test_api_answers_the_same_search_as_json_matching_the_openapi_schema(client):
    resp = client.get("/api/v1/search?q=审批&per_page=2")
    assert resp.status_code == 200
    data = resp.get_json()
    _validator("SearchResult").validate(data)
    assert data["total"] == 3 and data["pages"] == 2 and len(data["items"]) == 2
    assert data["items"][0]["doc_no"] == "示审批〔2024〕3号"
    assert {f["value"]: f["count"] for f in data["facets"]["dept"]} == {"xzspj": 1, "xzfb": 2}
    by_date = client.get("/api/v1/search?q=审批&sort=date").get_json()
    assert by_date["items"][0]["url"] == "/xxgk/wj/doc-5.html"
    assert by_date["items"][0]["score"] is None


def test_api_errors_are_json_with_code_and_message(client):
    for url, code in (("/api/v1/search?sort=x", "bad_sort"),
                      ("/api/v1/search?per_page=51", "bad_per_page"),
                      ("/api/v1/search?year=1", "bad_year")):
        resp = client.get(url)
        assert resp.status_code == 400
        body = resp.get_json()
        _validator("Error").validate(body)
        assert body["code"] == code and body["message"]


@pytest.mark.parametrize(("args", "code"), [
    ("site=nosuchsite", "unknown_site"), ("section=abc", "unknown_section"),
    ("dept=nosuchdept", "unknown_dept"), ("topic=不存在的分类", "unknown_topic"),
    ("dept=xzfb&topic=x", "unknown_topic"), ("section=" + "长" * 61, "bad_section"),
])
def test_api_refuses_unknown_filter_values_with_a_stable_code(client, args, code):
    resp = client.get(f"/api/v1/search?q=审批&{args}")
    assert resp.status_code == 400
    body = resp.get_json()
    _validator("Error").validate(body)
    assert body["code"] == code and body["message"]


@pytest.mark.parametrize("args", [
    "dept=xzfb", "section=xxgk", "site=county",
    "section=jg",  # a section of the site without any indexed document: known, no hits
    "topic=农业、林业、水利",  # a 主题分类 of the value list that no document has
])
def test_api_accepts_filter_values_the_cluster_knows(client, args):
    resp = client.get(f"/api/v1/search?q=审批&{args}")
    assert resp.status_code == 200, resp.get_json()


def test_the_page_shows_no_results_for_an_unknown_filter_value(client):
    resp = client.get("/search?q=审批&dept=nosuchdept")
    assert resp.status_code == 200
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    assert not soup.select(".gp-search-results__item")
    assert soup.select(".gp-search-results__item") != BeautifulSoup(
        client.get("/search?q=审批").get_data(as_text=True), "html.parser").select(
        ".gp-search-results__item")  # the same search without the filter has hits


def test_openapi_fragment_shape():
    op = openapi.PATHS["/search"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"q", "site", "section", "dept", "year", "topic",
                                                     "sort", "page", "per_page"}
    assert set(op["responses"]) == {"200", "400", "503"}


def test_publish_letter_through_the_app_config(index_dir, tmp_path):
    from formsvc.services import search

    app = make_app(index_dir, tmp_path / "letters")
    assert search.letters_dir(app.config) == tmp_path / "letters"
    letter = SimpleNamespace(id="L1", kind="jy", subject="公交站台", question="增设公交站台",
                             reply="", department=None, masked_name="网友",
                             received_on=date(2024, 5, 6), replied_on=date(2024, 5, 8))
    assert search.publish_letter(app.config, letter)
    client = app.test_client()
    soup = page(client, "/search?q=公交站台")
    assert soup.select_one(".gp-search-results__item a")["href"] == "/hdjl/letters/L1"
    assert search.unpublish_letter(app.config, "L1")
    assert "找到 0 条" in page(client, "/search?q=公交站台").get_text()
    letters.remove_letter(tmp_path / "letters", "nothing")  # removing twice is harmless
