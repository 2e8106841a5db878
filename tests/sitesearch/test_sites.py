"""One search over a cluster of sites: the site field, the filter, per-site builds, one URL one hit."""

from __future__ import annotations

import gc
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from whoosh import fields as whoosh_fields
from whoosh import index as whoosh_index

from sitesearch import fields as F
from sitesearch import indexer, layout, letters, query
from tests.sitesearch.conftest import CORPUS, SITE, make_app, make_doc
from tests.sitesearch.test_views import _validator

EDU = "jyj"  # a department sub-site
EDU_NAME = "示范县教育局"
TOWN = "cgz"  # a township site
TOWN_NAME = "城关镇人民政府"


def on(site: str, name: str, docs: list[indexer.Document]) -> list[indexer.Document]:
    """The documents as another site of the cluster publishes them (paths and URLs of their own)."""
    return [replace(d, site=site, site_name=name, path=f"{site}/{d.path}", url=f"/{site}{d.url}")
            for d in docs]


COUNTY = [replace(d, site_name="示范县人民政府") for d in CORPUS]
EDU_DOCS = on(EDU, EDU_NAME, [
    make_doc(31, title="义务教育招生入学工作方案", body="做好义务教育阶段招生入学工作，行政审批事项网上办理。"),
    make_doc(32, title="学生资助政策", body="家庭经济困难学生资助。"),
])
TOWN_DOCS = on(TOWN, TOWN_NAME, [make_doc(41, title="城关镇防汛抗旱预案", body="防汛抗旱，行政审批。")])


@pytest.fixture
def cluster(tmp_path):
    root = tmp_path / "_search"
    indexer.build(root, COUNTY, site=SITE)
    indexer.build(root, EDU_DOCS, site=EDU)
    indexer.build(root, TOWN_DOCS, site=TOWN)
    yield root


def find(root, letters_dir=None, **args) -> query.SearchResult:
    return query.search(query.parse_params(args), root, letters_dir)


def test_one_search_covers_every_site_and_each_hit_names_its_site(cluster):
    result = find(cluster, q="审批")
    assert result.total == 5  # 3 of the county's, one of each sub-site
    by_url = {h.url: (h.site, h.site_name) for h in result.hits}
    assert by_url["/jyj/xxgk/wj/doc-31.html"] == (EDU, EDU_NAME)
    assert by_url["/cgz/xxgk/wj/doc-41.html"] == (TOWN, TOWN_NAME)
    assert by_url["/xxgk/wj/doc-1.html"] == (SITE, "示范县人民政府")
    sites = {v.value: (v.label, v.count) for v in result.facets[F.SITE]}
    assert sites == {SITE: ("示范县人民政府", 3), EDU: (EDU_NAME, 1), TOWN: (TOWN_NAME, 1)}


def test_a_site_search_is_the_cluster_search_scoped_to_the_site(cluster):
    scoped = find(cluster, q="审批", site=EDU)
    assert [h.url for h in scoped.hits] == ["/jyj/xxgk/wj/doc-31.html"]
    assert {v.value for v in scoped.facets[F.SITE]} == {EDU}
    # every other filter combines with it, and a browse without words lists the site newest first
    assert find(cluster, site=SITE, dept="xzspj").total == 1
    browse = find(cluster, site=EDU)
    assert [h.url for h in browse.hits] == ["/jyj/xxgk/wj/doc-32.html", "/jyj/xxgk/wj/doc-31.html"]
    assert find(cluster, q="审批", site="nosuchsite").total == 0


@pytest.mark.parametrize("value", ["JYJ", "../county", "a b", "-x", "x" * 41, "县"])
def test_a_malformed_site_is_refused(value):
    with pytest.raises(query.SearchError) as info:
        query.parse_params({"q": "审批", "site": value})
    assert info.value.code == "bad_site" and "站点" in info.value.message


def test_a_change_in_one_site_rebuilds_only_that_site(cluster):
    before = layout.live(cluster)
    edu_files = {p.name: p.stat().st_ino for p in layout.current_dir(cluster, EDU).iterdir()}
    county = list(COUNTY)
    county[1] = replace(county[1], body=county[1].body + "新增乡村振兴内容。")
    report = indexer.build(cluster, county, site=SITE)
    assert (report.site, report.full, report.added, report.unchanged) == (SITE, False, 1, 4)
    after = layout.live(cluster)
    assert after[SITE] != before[SITE]
    assert {s: after[s] for s in (EDU, TOWN)} == {s: before[s] for s in (EDU, TOWN)}
    # the other sites' files were not rewritten, not even copied
    assert {p.name: p.stat().st_ino
            for p in layout.current_dir(cluster, EDU).iterdir()} == edu_files
    # the county's line is now the latest publication
    assert list(after) == [EDU, TOWN, SITE]
    assert [h.url for h in find(cluster, q="乡村振兴").hits] == ["/xxgk/wj/doc-2.html"]
    assert find(cluster, q="审批").total == 5


def test_a_site_rebuilt_while_a_worker_reads_reuses_the_other_sites_and_their_postings(cluster):
    queries = ("审批", "防汛抗旱", "义务教育", "资助", "政府信息公开", "审")
    for q in queries:  # fill the postings cache
        find(cluster, q=q)
    old = query.snapshot(cluster)
    indexer.build(cluster, [*TOWN_DOCS, *on(TOWN, TOWN_NAME, [
        make_doc(42, title="城关镇审批服务", body="行政审批窗口，防汛抗旱物资。")])], site=TOWN)
    new = query.snapshot(cluster)
    assert new is not old
    # the county's and the education bureau's parts are the same objects: not reopened
    same = {p.key for p in new.parts} & {p.key for p in old.parts}
    assert len(same) == 2 and all(any(p is q for q in old.parts) for p in new.parts
                                  if p.key in same)
    carried = [(h.url, h.score) for q in queries for h in find(cluster, q=q).hits]
    totals = [find(cluster, q=q).total for q in queries]
    query.close_all()  # a worker started afresh decodes everything
    assert [(h.url, h.score) for q in queries for h in find(cluster, q=q).hits] == carried
    assert [find(cluster, q=q).total for q in queries] == totals
    assert totals[0] == 6


def test_a_document_two_sites_index_is_shown_once_from_the_latest_publication(cluster):
    # a document moved from the county to the education bureau, which has published since;
    # the county has not been rebuilt yet
    moved = replace(COUNTY[0], site=EDU, site_name=EDU_NAME, path="jyj/moved.md")
    indexer.build(cluster, [*EDU_DOCS, moved], site=EDU)
    result = find(cluster, q="优化营商环境")
    assert [(h.url, h.site) for h in result.hits] == [(COUNTY[0].url, EDU)]
    assert result.total == 1
    assert {v.value: v.count for v in find(cluster, q="审批").facets[F.SITE]} == {
        SITE: 2, EDU: 2, TOWN: 1}
    # the county's next build no longer has it: still one hit, now from the only copy
    indexer.build(cluster, COUNTY[1:], site=SITE)
    assert [(h.url, h.site) for h in find(cluster, q="优化营商环境").hits] == [(COUNTY[0].url, EDU)]


def test_a_site_lists_a_url_once(tmp_path):
    twice = [*CORPUS, make_doc(99, title="同一页面的第二个来源", url=CORPUS[0].url, body="审批")]
    report = indexer.build(tmp_path / "idx", twice)
    assert report.total == len(CORPUS)
    result = find(tmp_path / "idx", q="审批")
    assert [h.url for h in result.hits].count(CORPUS[0].url) == 1
    assert result.total == 3
    # a streamed build (the plugin's) keeps the first as well
    build = indexer.FullBuild(tmp_path / "stream")
    assert [build.add(d) for d in twice] == [True] * len(CORPUS) + [False]
    build.publish()
    assert find(tmp_path / "stream", q="审批").total == 3


def test_a_build_refuses_another_sites_document(tmp_path):
    with pytest.raises(ValueError, match="属于站点"):
        indexer.build(tmp_path / "idx", [*CORPUS, *EDU_DOCS], site=SITE)
    assert layout.live(tmp_path / "idx") == {}  # nothing published


@pytest.mark.parametrize("site", ["", "Main", "../x", None, 0])
def test_a_bad_site_id_is_refused_by_the_layout(tmp_path, site):
    with pytest.raises(ValueError, match="站点标识"):
        layout.check_site(site)


# Whoosh leaves the file of a table of contents it fails to read for the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_unreadable_site_is_left_out_and_the_others_answer(cluster, caplog):
    for f in layout.current_dir(cluster, TOWN).iterdir():
        if f.suffix == ".toc":
            f.write_bytes(b"garbage")
    result = find(cluster, q="审批")
    assert result.total == 4 and TOWN not in {h.site for h in result.hits}
    assert any("cgz" in r.getMessage() and "unusable" in r.getMessage() for r in caplog.records)
    caplog.clear()
    query.close_all()
    gc.collect()  # Whoosh leaves the unreadable TOC's file to the garbage collector


def test_the_layout_before_sites_is_replaced_by_the_first_build(tmp_path):
    root = tmp_path / "_search"
    legacy = root / "v000007"
    legacy.mkdir(parents=True)
    whoosh_index.create_in(str(legacy), F.make_schema()).close()
    (root / "CURRENT").write_text("v000007\n")
    with pytest.raises(query.SearchUnavailable):
        find(root, q="审批")
    report = indexer.build(root, CORPUS)
    assert report.full and layout.live(root) == {SITE: "v000001"}
    assert not legacy.exists() and (root / SITE / "v000001").is_dir()
    assert find(root, q="审批").total == 3


def test_letters_belong_to_the_county_portal_unless_they_say_otherwise(cluster, tmp_path):
    ldir = tmp_path / "letters"
    letters.index_letter(ldir, {"id": 1, "title": "学校门口路灯", "question": "路灯不亮"})
    letters.index_letter(ldir, {"id": 2, "title": "镇上路灯", "question": "路灯坏了", "site": TOWN})
    result = find(cluster, ldir, q="路灯")
    assert {h.url: (h.site, h.site_name) for h in result.hits} == {
        "/hdjl/letters/1": (SITE, "示范县人民政府"), "/hdjl/letters/2": (TOWN, TOWN_NAME)}
    assert [h.url for h in find(cluster, ldir, q="路灯", site=TOWN).hits] == ["/hdjl/letters/2"]
    with pytest.raises(ValueError, match="站点标识"):
        letters.index_letter(ldir, {"id": 3, "title": "x", "site": "../county"})


def test_a_letters_index_of_the_schema_before_sites_is_upgraded_when_next_written(cluster, tmp_path):
    ldir = tmp_path / "letters"
    old_schema = F.make_schema()
    old_schema.remove(F.SITE)
    old_schema.remove(F.SITE_NAME)
    old_schema.remove(F.URL)
    old_schema.add(F.URL, whoosh_fields.STORED())
    ldir.mkdir()
    ix = whoosh_index.create_in(str(ldir), old_schema)
    writer = ix.writer()
    old = letters.letter_document({"id": 7, "title": "老信件", "question": "公交线路调整",
                                   "reply": "已调整。", "dept": "jtj", "date": "2024-05-01"})
    writer.add_document(**{k: v for k, v in old.to_fields().items()
                           if k not in (F.SITE, F.SITE_NAME)})
    writer.commit()
    ix.close()
    letters.index_letter(ldir, {"id": 8, "title": "新信件", "question": "公交站台"})
    result = find(cluster, ldir, q="公交")
    assert {h.url: h.site for h in result.hits} == {"/hdjl/letters/7": SITE,
                                                    "/hdjl/letters/8": SITE}
    upgraded = next(h for h in result.hits if h.url == "/hdjl/letters/7")
    assert "已调整" in upgraded.snippet_text and upgraded.date.year == 2024
    assert upgraded.dept == "jtj"


# --- through formsvc -------------------------------------------------------------------------------


def test_the_api_filters_by_site_and_says_where_each_hit_is_from(cluster, tmp_path):
    client = make_app(cluster, tmp_path / "letters").test_client()
    data = client.get(f"/api/v1/search?q=审批&site={EDU}").get_json()
    _validator("SearchResult").validate(data)
    assert data["query"]["site"] == EDU and data["total"] == 1
    assert data["items"][0]["site"] == {"code": EDU, "name": EDU_NAME}
    everywhere = client.get("/api/v1/search?q=审批").get_json()
    _validator("SearchResult").validate(everywhere)
    assert everywhere["query"]["site"] is None
    assert {f["value"]: f["count"] for f in everywhere["facets"]["site"]} == {
        SITE: 3, EDU: 1, TOWN: 1}
    bad = client.get("/api/v1/search?q=审批&site=../x")
    assert bad.status_code == 400 and bad.get_json()["code"] == "bad_site"


def test_the_page_names_the_site_of_each_hit_and_offers_the_site_filter(cluster, tmp_path):
    client = make_app(cluster, tmp_path / "letters").test_client()
    soup = BeautifulSoup(client.get("/search?q=审批").get_data(as_text=True), "html.parser")
    edu_item = next(li for li in soup.select(".gp-search-results__item")
                    if li.select_one("a")["href"] == "/jyj/xxgk/wj/doc-31.html")
    assert EDU_NAME in edu_item.select_one(".gp-meta-line").get_text()
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.select("#facet-site ~ ul a")}
    href = next(h for text, h in links.items() if text.startswith(TOWN_NAME))
    assert parse_qs(urlsplit(href).query) == {"q": ["审批"], "site": [TOWN]}
    scoped = BeautifulSoup(client.get(href).get_data(as_text=True), "html.parser")
    assert "找到 1 条" in scoped.select_one(".gp-search-results__count").get_text()
    assert "站点：" + TOWN_NAME in scoped.select_one(".gp-search-results__filters").get_text()
    # a page of one site's results neither offers the filter nor repeats the site on every hit
    assert scoped.select_one("#facet-site") is None
    assert TOWN_NAME not in scoped.select_one(".gp-meta-line").get_text()
    bad = client.get("/search?q=审批&site=A")
    assert bad.status_code == 400 and "站点参数有误" in bad.get_data(as_text=True)


def test_one_site_alone_shows_no_site_filter(tmp_path):
    indexer.build(tmp_path / "_search", COUNTY)
    client = make_app(tmp_path / "_search", tmp_path / "letters").test_client()
    soup = BeautifulSoup(client.get("/search?q=审批").get_data(as_text=True), "html.parser")
    assert soup.select_one("#facet-dept") is not None and soup.select_one("#facet-site") is None
    assert "示范县人民政府" not in soup.select_one(".gp-meta-line").get_text()
    data = client.get("/api/v1/search?q=审批").get_json()  # the API says it all the same
    assert data["items"][0]["site"] == {"code": SITE, "name": "示范县人民政府"}


# --- the plugin ------------------------------------------------------------------------------------


def test_the_build_takes_its_site_from_the_settings(tmp_path):
    import pelicanconf
    from tests.conftest import TEST_SITE, build_site

    out = build_site(TEST_SITE, tmp_path / "output", PLUGINS=[*pelicanconf.PLUGINS, "searchindex"],
                     SEARCHINDEX={"site": TOWN, "departments": False}, SITENAME=TOWN_NAME)
    assert list(layout.live(out / "_search")) == [TOWN]
    result = find(out / "_search", q="政务公开工作要点")
    assert (result.hits[0].site, result.hits[0].site_name) == (TOWN, TOWN_NAME)
    assert find(out / "_search", section="jg").total == 0  # the county portal has the departments


def test_a_bad_site_setting_stops_the_build(tmp_path):
    import pelicanconf
    from searchindex.searchindex import IndexBuildFailed
    from tests.conftest import TEST_SITE, build_site

    with pytest.raises(IndexBuildFailed, match="SEARCHINDEX 设置有误：站点标识"):
        build_site(TEST_SITE, tmp_path / "output", PLUGINS=[*pelicanconf.PLUGINS, "searchindex"],
                   SEARCHINDEX={"site": "Main"})
    assert not (tmp_path / "output" / "_search" / "CURRENT").exists()


@pytest.mark.parametrize("background", [True, False])
def test_another_sites_document_is_left_to_that_sites_index(tmp_path, monkeypatch, background):
    """A document the cluster says another site publishes (the county lists a department's)."""
    import pelicanconf
    from searchindex import searchindex
    from tests.conftest import TEST_SITE, build_site

    theirs = "xxgk/wj/2024/zfxxgk-gzyd.md"
    real = searchindex.site_of
    monkeypatch.setattr(searchindex, "site_of", lambda article, conf: (
        EDU if str(getattr(article, "relpath", "")).endswith(theirs) else real(article, conf)))
    out = build_site(TEST_SITE, tmp_path / "output", PLUGINS=[*pelicanconf.PLUGINS, "searchindex"],
                     SEARCHINDEX={"background": background})
    urls = [h.url for h in find(out / "_search", q="政务公开工作要点").hits]
    assert "/xxgk/wj/zfxxgk-gzyd.html" not in urls
    assert urls  # the site's own documents are there
    assert find(out / "_search", q="食品经营许可").total >= 1


def test_an_article_names_its_site_or_is_the_builds():
    from types import SimpleNamespace

    from searchindex.searchindex import site_of

    conf = {"site": SITE}
    assert site_of(SimpleNamespace(), conf) == SITE
    assert site_of(SimpleNamespace(site=None), conf) == SITE
    assert site_of(SimpleNamespace(site=EDU), conf) == EDU
