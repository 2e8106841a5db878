"""The searchindex Pelican plugin on a real build of tests/data/site."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from sitesearch import layout, query
from tests.conftest import TEST_SITE, build_site
from tests.sitesearch.conftest import SITE


def find(output, q, **filters):
    return query.search(query.parse_params({"q": q, **filters}), output / "_search")


def test_the_build_publishes_an_index(built_search_site):
    assert layout.current_name(built_search_site / "_search", SITE) == "v000001"


@pytest.mark.parametrize(("q", "url", "doctype"), [
    ("政务公开工作要点", "/xxgk/wj/zfxxgk-gzyd.html", "disclosure"),
    ("示政办[2024]5号", "/xxgk/wj/zfxxgk-gzyd.html", "disclosure"),
    ("01150001-1/2024-00001", "/xxgk/wj/zfxxgk-gzyd.html", "disclosure"),
    ("食品经营许可", "/bsfw/zn/spjy-xuke.html", "guide"),
    ("冷链物流", "/zsyz/xm/nongchanpin-lenglian.html", "project"),
    ("投资环境概况", "/zsyz/tz/touzi-huanjing.html", "investment"),
    ("政务公开工作会议", "/zwdt/yw/2024-gzhy.html", "news"),
    ("信息公开指南", "/xxgk/zn.html", "page"),
    ("CF-SCJGJ-001", "/xxgk/ql/spjy-chufa.html", "power"),
    ("货值金额", "/xxgk/ql/spjy-chufa.html", "power"),  # the 裁量基准, structured front matter
    ("价格监督检查办法", "/hd/yjzj/jiage-jiandu-banfa.html", "consultation"),
    ("价格监督检查在线访谈", "/hd/ft/jiage-fangtan.html", "interview"),
])
def test_every_document_type_is_searchable(built_search_site, q, url, doctype):
    result = find(built_search_site, q)
    hit = next((h for h in result.hits if h.url == url), None)
    assert hit is not None, [h.url for h in result.hits]
    assert hit.doctype == doctype
    assert (built_search_site / url.lstrip("/")).exists()  # the URL is a page the build wrote


@pytest.mark.parametrize(("q", "found"), [
    ("调查取证", True), ("负责人签批", True), ("法制审核人员", True),  # a step's name, its role
    ("diaocha", False), ("qianpi", False), ("lian", False), ("buyu", False),  # ids, and next/if_no
])
def test_a_power_flow_is_found_by_its_steps_words_not_by_their_ids(built_search_site, q, found):
    urls = [h.url for h in find(built_search_site, q).hits]
    assert ("/xxgk/ql/spjy-chufa.html" in urls) is found, urls


def test_metadata_is_indexed_for_filters(built_search_site):
    hit = find(built_search_site, "示政办[2024]5号").hits[0]
    assert (hit.section, hit.dept, hit.topic) == ("xxgk", "xzfb", "综合政务")
    assert hit.index_no == "01150001-1/2024-00001" and hit.date.year == 2024
    assert hit.dept_name == "示范县人民政府办公室" and hit.section_label == "信息公开"
    # structured front matter of a guide (申请材料) is searchable, not only its Markdown body
    assert any(h.url == "/bsfw/zn/spjy-xuke.html" for h in find(built_search_site, "营业执照").hits)
    # department pages come from the registry
    assert any(h.url.startswith("/jg/") for h in find(built_search_site, "", section="jg").hits)


def test_an_index_no_with_letters_passes_the_checker_and_is_found_by_its_number(site_copy, tmp_path):
    # organisation codes taken from a 统一社会信用代码 carry letters (issue 18: the checker took
    # them, the search did not, so the document could not be found by its number)
    import pelicanconf
    from portal import check

    for path in [site_copy / "departments.yml", *(site_copy / "xxgk" / "wj" / "2024").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "01150001-1" in text
        path.write_text(text.replace("01150001-1", "MA1G4XYZ-8"), encoding="utf-8")
    found = check.run(site_copy, dt.date(2024, 6, 25), root=site_copy.parent).problems
    assert [p for p in found if p.is_error] == []
    out = tmp_path / "output"
    build_site(site_copy, out, PLUGINS=[*pelicanconf.PLUGINS, "searchindex"])
    for typed in ("MA1G4XYZ-8/2024-00001", "ma1g4xyz-8/2024-1", "ＭＡ１Ｇ４ＸＹＺ－８／２０２４－００００１"):
        hits = find(out, typed).hits
        assert [h.url for h in hits][:1] == ["/xxgk/wj/zfxxgk-gzyd.html"], typed
        assert hits[0].index_no == "MA1G4XYZ-8/2024-00001"


def test_html_becomes_plain_text(built_search_site):
    hit = find(built_search_site, "贯彻落实").hits[0]
    assert "<p>" not in hit.snippet_text and "&lt;p&gt;" not in str(hit.snippet_html)


def test_a_rebuild_reindexes_only_what_changed(tmp_path, caplog):
    import shutil

    import pelicanconf

    content = tmp_path / "content"
    shutil.copytree(TEST_SITE, content)
    out = tmp_path / "output"
    plugins = [*pelicanconf.PLUGINS, "searchindex"]
    build_site(content, out, PLUGINS=plugins)
    news = content / "zwdt" / "2024-gzhy.md"
    news.write_text(news.read_text(encoding="utf-8") + "\n会议还部署了防汛抗旱工作。\n",
                    encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="searchindex"):
        build_site(content, out, PLUGINS=plugins)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("searchindex:"))
    assert "incremental" in line and " 1 (re)indexed" in line
    assert [h.url for h in find(out, "防汛抗旱").hits] == ["/zwdt/yw/2024-gzhy.html"]

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="searchindex"):
        build_site(content, out, PLUGINS=plugins, SEARCHINDEX={"full": True})
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("searchindex:"))
    assert "full build" in line


def test_html_to_text_joins_soft_wraps_between_chinese_characters():
    from searchindex.searchindex import html_to_text

    text = html_to_text("<p>推进政务\n公开工作，see\nalso</p><ul><li>一</li><li>二 &amp; 三</li></ul>")
    assert text == "推进政务公开工作，see also\n一\n二 & 三"


def path_keyed(index_dir):
    """Stored fields and postings of the live version, keyed by path (docnums may differ)."""
    from whoosh import index as whoosh_index

    from sitesearch import fields as F

    ix = whoosh_index.open_dir(str(layout.current_dir(index_dir, SITE)))
    with ix.reader() as r:
        path = {i: r.stored_fields(i)[F.PATH] for i in r.all_doc_ids()}
        stored = {path[i]: r.stored_fields(i) for i in path}
        postings = set()
        for fieldname, term in r.all_terms():
            m = r.postings(fieldname, term)
            while m.is_active():
                postings.add((fieldname, term, path[m.id()], m.weight(), m.value()))
                m.next()
    ix.close()
    return stored, postings


def test_the_background_index_equals_the_one_written_after_rendering(tmp_path):
    """Documents taken as each file is read (before links are resolved) index the same text."""
    from pelican import signals

    import pelicanconf
    from searchindex.searchindex import _content_html, _summary_html, html_to_text

    plugins = [*pelicanconf.PLUGINS, "searchindex"]
    articles = []

    def keep(generator):
        articles.extend(generator.articles)

    signals.article_generator_finalized.connect(keep)
    try:
        build_site(TEST_SITE, tmp_path / "bg", PLUGINS=plugins)
    finally:
        signals.article_generator_finalized.disconnect(keep)
    build_site(TEST_SITE, tmp_path / "fg", PLUGINS=plugins, SEARCHINDEX={"background": False})
    assert path_keyed(tmp_path / "bg" / "_search") == path_keyed(tmp_path / "fg" / "_search")
    assert len(articles) == 12  # with a 征求意见稿, an 在线访谈 (issue 23) and two 权力事项 (issue 24)
    # the test site links with {filename}: the resolved HTML differs, its text does not
    assert any(a.content != _content_html(a) for a in articles)
    for a in articles:  # after the build every link is resolved: the text must not change
        assert html_to_text(a.content) == html_to_text(_content_html(a)), a.relpath
        assert html_to_text(str(a.summary)) == html_to_text(_summary_html(a)), a.relpath


def test_a_failed_index_build_fails_the_build_and_the_previous_index_stays_live(tmp_path):
    import pelicanconf
    from searchindex.searchindex import IndexBuildFailed

    out = tmp_path / "output"
    plugins = [*pelicanconf.PLUGINS, "searchindex"]
    build_site(TEST_SITE, out, PLUGINS=plugins)
    assert layout.current_name(out / "_search", SITE) == "v000001"
    # a file where the next version folder must go: the worker cannot create it
    (out / "_search" / SITE / "v000002").write_text("x", encoding="utf-8")
    with pytest.raises(IndexBuildFailed) as failed:
        build_site(TEST_SITE, out, PLUGINS=plugins, SEARCHINDEX={"full": True})
    assert failed.value.exitcode == 1  # pelican's command line exits with it
    assert "原索引继续使用" in str(failed.value)
    assert layout.current_name(out / "_search", SITE) == "v000001"
    assert find(out, "政务公开工作要点").total >= 1
