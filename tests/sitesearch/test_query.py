"""Searching a real Whoosh index: matching, 文号/索引号, filters and counts, order, snippets."""

from __future__ import annotations

import gc

import pytest

from sitesearch import letters, query


def paths(result):
    return [h.url for h in result.hits]


def test_short_word_inside_compound_is_found(run):
    result = run(q="审批")
    # doc 2 cites 示审批〔2024〕3号: 审批 inside an issuer code counts too
    assert set(paths(result)) == {"/xxgk/wj/doc-1.html", "/xxgk/wj/doc-2.html",
                                  "/xxgk/wj/doc-5.html"}
    assert run(q="公开").total == 1


def test_all_words_must_match(run):
    assert paths(run(q="审批 营商环境")) == ["/xxgk/wj/doc-1.html"]
    assert run(q="审批 低保").total == 0


def test_quoted_phrase_must_be_contiguous(run):
    # 信息 and 公开 both occur in doc 2, but "公开信息" does not
    assert run(q="信息 公开").total == 1
    assert run(q='"公开信息"').total == 0
    assert run(q="“政府信息公开”").total == 1


@pytest.mark.parametrize("typed", ["示政办〔2024〕12号", "示政办[2024]12号", "示政办(2024)12号",
                                   "示政办【2024】12号", "示政办（２０２４）１２号",
                                   "01150001-1/2024-00012"])
def test_doc_no_and_index_no_find_the_document_exactly(run, typed):
    result = run(q=typed)
    assert paths(result) == ["/xxgk/wj/doc-2.html"]
    assert result.hits[0].doc_no == "示政办〔2024〕12号"


def test_document_carrying_a_doc_no_ranks_above_documents_citing_it(run):
    result = run(q="示审批[2024]3号")
    assert paths(result) == ["/xxgk/wj/doc-1.html", "/xxgk/wj/doc-2.html"]


def test_a_similar_doc_no_does_not_match(run):
    assert run(q="示政办[2024]13号").total == 0
    assert run(q="示政办[2023]12号").total == 0


def test_filters_and_facet_counts(run):
    result = run(q="")
    assert result.total == 0 and result.hits == []  # no query, no filters: the help page
    result = run(section="xxgk")  # filters alone browse, newest first
    assert result.total == 3
    counts = {f: {v.value: v.count for v in vals} for f, vals in result.facets.items()}
    assert counts["section"] == {"xxgk": 3}
    assert counts["dept"] == {"xzfb": 2, "xzspj": 1}
    assert counts["topic"] == {"综合政务": 2, "其他": 1}
    assert counts["year"] == {"2024": 3}
    labels = {v.value: v.label for v in result.facets["dept"]}
    assert labels["xzspj"] == "示范县行政审批服务局"
    assert {v.value: v.label for v in result.facets["section"]} == {"xxgk": "信息公开"}
    assert [v.value for v in run(q="会议").facets["year"]] == ["2023"]
    assert run(q="会议", year="2024").total == 0
    assert run(q="审批", dept="xzspj").total == 1
    assert run(q="审批", topic="其他").total == 1
    assert run(q="审批", section="nosuch").total == 0


def test_sort_by_date_newest_first_and_pagination(run):
    result = run(section="xxgk", sort="date", per_page="2")
    assert paths(result) == ["/xxgk/wj/doc-5.html", "/xxgk/wj/doc-2.html"]
    assert result.pages == 2 and (result.start, result.end) == (1, 2)
    page2 = run(section="xxgk", sort="date", per_page="2", page="2")
    assert paths(page2) == ["/xxgk/wj/doc-1.html"]
    assert (page2.start, page2.end) == (3, 3)
    assert [h.url for h in run(q="审批", sort="date").hits] == [
        "/xxgk/wj/doc-5.html", "/xxgk/wj/doc-2.html", "/xxgk/wj/doc-1.html"]


def test_relevance_prefers_title_matches(run):
    result = run(q="审批")
    assert result.hits[0].url == "/xxgk/wj/doc-1.html"
    assert result.hits[0].score >= result.hits[1].score


def test_snippets_escape_everything_but_mark(run):
    hit = run(q="审批", dept="xzfb").hits[0]
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<b>" not in hit.snippet_html and "&lt;b&gt;" in hit.snippet_html
    assert "<mark>审批</mark>" in hit.snippet_html
    assert "&amp;" in hit.snippet_html


def test_snippets_come_from_the_body_not_the_metadata(run):
    hit = run(q="公开").hits[0]
    assert hit.url == "/xxgk/wj/doc-2.html"
    assert "<mark>公开</mark>" in hit.snippet_html
    assert "01150001-1" not in hit.snippet_text  # shown in the result's metadata line instead
    # a word found only in the metadata still finds the document; the snippet is the body's start
    hit = run(q="01150001-1/2024-00012").hits[0]
    assert hit.snippet_text.startswith("做好政府信息公开工作")


def test_snippet_window_centres_on_the_match():
    text = "甲" * 300 + "行政审批" + "乙" * 300
    html = str(query.highlight(text, ["审批"], 60))
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>审批</mark>" in html


@pytest.mark.parametrize(("args", "code"), [
    ({"sort": "newest"}, "bad_sort"), ({"year": "24"}, "bad_year"), ({"page": "x"}, "bad_page"),
    ({"page": "0"}, "bad_page"), ({"per_page": "500"}, "bad_per_page"),
    ({"q": "字" * 101}, "query_too_long"),
])
def test_bad_parameters(args, code):
    with pytest.raises(query.SearchError) as info:
        query.parse_params(args)
    assert info.value.code == code
    assert info.value.message  # Chinese text for the citizen


def test_missing_index_is_unavailable(tmp_path):
    with pytest.raises(query.SearchUnavailable):
        query.search(query.parse_params({"q": "审批"}), tmp_path / "nothing")


# Whoosh leaves the file of a table of contents it fails to read for the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_corrupt_index_is_unavailable(tmp_path):
    root = tmp_path / "_search"
    (root / "county" / "v000001").mkdir(parents=True)
    (root / "county" / "v000001" / "_MAIN_1.toc").write_bytes(b"not an index")
    (root / "CURRENT").write_text("county v000001\n")
    with pytest.raises(query.SearchUnavailable):
        query.search(query.parse_params({"q": "审批"}), root)
    gc.collect()  # while the warning is ignored


def test_published_letter_is_found_at_once_and_withdrawn(run, tmp_path):
    ldir = tmp_path / "letters"
    assert run(ldir, q="路灯").total == 0
    letters.index_letter(ldir, {
        "id": 42, "title": "人民路路灯不亮", "question": "人民路北段路灯晚上不亮，请尽快维修。",
        "reply": "已安排维修，现已恢复照明。", "dept": "zjj", "dept_name": "示范县住房和城乡建设局",
        "date": "2025-03-01T10:00:00", "url": "/hdjl/letters/42",
    })
    result = run(ldir, q="路灯")
    assert paths(result) == ["/hdjl/letters/42"]
    assert result.hits[0].section == "hdjl" and result.hits[0].dept_name.endswith("建设局")
    assert {v.value for v in result.facets["section"]} == {"hdjl"}
    # the site documents are still there, in the same search
    assert run(ldir, q="审批").total == 3
    # republishing replaces, never duplicates
    letters.index_letter(ldir, {"id": 42, "title": "人民路路灯不亮", "question": "路灯", "reply": ""})
    assert run(ldir, q="路灯").total == 1
    letters.remove_letter(ldir, 42)
    assert run(ldir, q="路灯").total == 0


def test_reindex_letters_replaces_them_all(run, tmp_path):
    ldir = tmp_path / "letters"
    letters.index_letter(ldir, {"id": 1, "title": "旧信件", "question": "垃圾清运"})
    count = letters.reindex_letters(ldir, [{"id": 2, "title": "新信件", "question": "公交线路"}])
    assert count == 1
    assert run(ldir, q="垃圾").total == 0 and run(ldir, q="公交").total == 1


def test_phrase_with_letters_and_full_width_text(tmp_path):
    from sitesearch import indexer
    from tests.sitesearch.conftest import make_doc

    index_dir = tmp_path / "idx"
    indexer.build(index_dir, [make_doc(1, body="开展ＨＰＶ疫苗接种工作"), make_doc(2, body="HPV 检测")])
    found = query.search(query.parse_params({"q": '"hpv疫苗"'}), index_dir)
    assert [h.url for h in found.hits] == ["/xxgk/wj/doc-1.html"]
    assert "<mark>ＨＰＶ疫苗</mark>" in found.hits[0].snippet_html


def test_posting_lists_decode_as_the_public_matcher_reads_them(tmp_path):
    """The engine parses the W3 codec's posting blocks itself: it must read what Whoosh reads."""
    from whoosh import index as whoosh_index

    from harness.search import synthetic
    from sitesearch import fields as F
    from sitesearch import indexer, layout
    from tests.sitesearch.conftest import SITE, make_doc

    undated = make_doc(1, date=None, url="")  # a column's default value, past the column's end
    indexer.build(tmp_path / "idx", [*synthetic.documents(300), undated])
    ix = whoosh_index.open_dir(str(layout.current_dir(tmp_path / "idx", SITE)))
    multi_block = 0
    with ix.reader() as r:
        n = r.doc_count_all()
        # the columns read in one piece, as iterating them reads them
        for fieldname, read in ((F.DATE, query._numbers), (F.URL, query._strings)):
            column = r.column_reader(fieldname, translate=False)
            assert list(read(column, n)) == list(column) and len(list(column)) == n
        assert query._lengths(r, n).tolist() == [
            max(r.doc_field_length(d, F.TEXT, 1), 1) for d in range(n)]
        for fieldname, term in r.all_terms():
            if fieldname not in (F.TEXT, F.SECTION, F.DEPT, F.CODES):
                continue
            expected = list(r.postings(fieldname, term).items_as("weight"))
            ids, tf = query._decode(r.postings(fieldname, term))
            assert list(zip(ids.tolist(), tf.tolist(), strict=True)) == expected, term
            ids, tf = query._leaf_postings(r, fieldname, term.decode("utf-8"))
            assert list(zip(ids.tolist(), tf.tolist(), strict=True)) == expected, term
            multi_block += len(expected) > 128
    assert multi_block > 20  # lists of several blocks were among them


def test_both_ways_of_intersecting_posting_lists_agree():
    import numpy as np

    rng = np.random.default_rng(7)
    for size_a, size_b in ((900, 800), (5, 900), (0, 10), (300, 300)):
        a_ids = np.sort(rng.choice(1000, size_a, replace=False)).astype(np.int32)
        b_ids = np.sort(rng.choice(1000, size_b, replace=False)).astype(np.int32)
        a = (a_ids, rng.random(size_a).astype(np.float32))
        b = (b_ids, rng.random(size_b).astype(np.float32))
        expected = sorted(set(a_ids.tolist()) & set(b_ids.tolist()))
        score = {**dict(zip(a_ids.tolist(), a[1].tolist(), strict=True))}
        # a small n makes large lists go through the dense array, a huge one through the search
        for n in (1000, 10**9):
            ids, scores = query._intersect(a, b, n)
            assert ids.tolist() == expected
            other = dict(zip(b_ids.tolist(), b[1].tolist(), strict=True))
            assert scores.tolist() == pytest.approx([score[i] + other[i] for i in expected])
