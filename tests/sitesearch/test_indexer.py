"""Incremental builds, full rebuilds and the atomic swap of index versions."""

from __future__ import annotations

import gc
import threading
from dataclasses import fields, replace

import pytest

from sitesearch import indexer, layout, query
from tests.sitesearch.conftest import CORPUS, SITE, make_doc


def hits(index_dir, q):
    return query.search(query.parse_params({"q": q}), index_dir).total


def test_first_build_is_full_and_published(tmp_path):
    report = indexer.build(tmp_path / "idx", CORPUS)
    assert report.full and report.added == len(CORPUS)
    assert layout.current_name(tmp_path / "idx", SITE) == report.version == "v000001"


def test_only_changed_documents_are_reindexed(index_dir):
    docs = list(CORPUS)
    docs[2] = replace(docs[2], body=docs[2].body + "新增防汛抗旱内容。")
    del docs[3]  # a file removed from content/
    docs.append(make_doc(9, title="新文件", body="森林防火"))
    report = indexer.build(index_dir, docs)
    assert not report.full
    assert (report.added, report.deleted, report.unchanged) == (2, 1, len(CORPUS) - 2)
    assert hits(index_dir, "防汛抗旱") == 1 and hits(index_dir, "森林防火") == 1
    assert hits(index_dir, "低保") == 0  # the deleted document is gone
    assert hits(index_dir, "审批") == 3  # untouched documents are still there

    again = indexer.build(index_dir, docs)
    assert (again.added, again.deleted, again.unchanged) == (0, 0, len(docs))


def test_full_rebuild_on_request(index_dir):
    report = indexer.build(index_dir, CORPUS, full=True)
    assert report.full and report.added == len(CORPUS)
    assert hits(index_dir, "审批") == 3


def test_old_versions_are_pruned_but_the_previous_ones_kept(index_dir):
    for n in range(4):
        indexer.build(index_dir, [*CORPUS, make_doc(10 + n, body=f"第{n}次")])
    names = layout.versions(index_dir, SITE)
    assert names[-1] == layout.current_name(index_dir, SITE) == "v000005"
    assert names == ["v000003", "v000004", "v000005"]


def test_a_searcher_opened_before_a_rebuild_still_answers_and_new_searches_see_the_new_index(
        index_dir):
    old = query.snapshot(index_dir)
    old_words = query.split_query("审批")
    before = len(old.run(query.parse_params({"q": "审批"}), old_words)[0])

    docs = [replace(d, body=d.body + "乡村振兴") if d.path.endswith("doc-1.md") else d
            for d in CORPUS]
    docs.append(make_doc(20, title="行政审批新规", body="审批"))
    indexer.build(index_dir, docs)

    # the snapshot taken before the swap still reads its own, complete version
    assert len(old.run(query.parse_params({"q": "审批"}), old_words)[0]) == before
    # the next search re-reads CURRENT and opens the new version, no restart needed
    assert hits(index_dir, "审批") == before + 1
    assert hits(index_dir, "乡村振兴") == 1
    assert query.snapshot(index_dir) is not old


def test_searches_during_a_rebuild_always_see_a_complete_index(tmp_path):
    index_dir = tmp_path / "idx"
    small = [make_doc(n, body="行政审批" if n % 2 else "政务公开") for n in range(200)]
    indexer.build(index_dir, small)
    big = [*small, *(make_doc(n, body="行政审批") for n in range(200, 800))]
    seen: set[int] = set()
    errors: list[BaseException] = []
    done = threading.Event()

    def rebuild() -> None:
        try:
            indexer.build(index_dir, big, full=True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=rebuild)
    worker.start()
    while not done.is_set():
        seen.add(hits(index_dir, "审批"))
    worker.join()
    seen.add(hits(index_dir, "审批"))
    assert not errors
    # only the old total (100) or the new one (700): never a partial index, never an exception
    assert seen <= {100, 700} and 700 in seen


# Whoosh leaves the file of a table of contents it fails to read for the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_unreadable_live_index_is_rebuilt_in_full(index_dir):
    live = layout.current_dir(index_dir, SITE)
    for f in live.iterdir():
        if f.name.endswith(".toc"):
            f.write_bytes(b"garbage")
    report = indexer.build(index_dir, CORPUS)
    assert report.full
    query.close_all()
    assert hits(index_dir, "审批") == 3
    gc.collect()  # while the warning is ignored


@pytest.mark.parametrize("content", ["", "v999999\n", "../etc\n", "county v999999\n",
                                     "county ../etc\n", "../etc v000001\n", "county\n"])
def test_a_broken_pointer_means_no_index(tmp_path, content):
    (tmp_path / "county" / "v000001").mkdir(parents=True)
    (tmp_path / "CURRENT").write_text(content)
    with pytest.raises(layout.IndexMissing):
        layout.current_name(tmp_path, SITE)
    with pytest.raises(query.SearchUnavailable):
        hits(tmp_path, "审批")


def test_every_field_of_a_document_is_in_its_hash():
    base = make_doc(1, keywords=["审批"], doc_no="示政办〔2024〕1号", index_no="01150001-1/2024-00001")
    values = {"path": "x.md", "url": "/x.html", "title": "t", "body": "b", "summary": "s",
              "section": "bsfw", "section_label": "办事服务", "doctype": "guide",
              "doctype_label": "办事指南", "dept": "mzj", "dept_name": "民政局", "topic": "其他",
              "date": base.date.replace(year=2020), "index_no": "", "doc_no": "",
              "keywords": ["公开"], "extra": "e", "site": "jyj", "site_name": "示范县教育局"}
    assert set(values) == {f.name for f in fields(base)}
    for name, value in values.items():
        assert replace(base, **{name: value}).content_hash() != base.content_hash(), name
