"""The fast full-build writer and the streaming build the searchindex plugin feeds.

The writer must produce the same index as Whoosh's own writer (search results must not change),
also when its postings spill to temporary files; the streaming build must publish only a complete
index and report failures.
"""

from __future__ import annotations

import os
import pickle
import queue
import re
from collections import Counter

import pytest
from whoosh import index as whoosh_index

from harness.search import synthetic
from sitesearch import analysis, indexer, layout, query
from sitesearch import fields as F
from tests.sitesearch.conftest import CORPUS, SITE, make_doc

TRICKY_TEXTS = [
    "", "a", "中", "中文", "ab中c文d１２３", "行政审批 ABC-12\n第二行é", "〔2024〕",
    "根据示政办[2024]12号和县政府办 （２０２３） 第 003 号文件，号文〔2023〕1号",
    "一二三四五六七八九十一二三四五〔2024〕1号", "01150001-1／2024－12 与 01150001-1/2024-7",
]


def index_dump(path) -> dict:
    """Everything a search reads from an index: postings, lengths, stored fields, columns."""
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as r:
        postings = {}
        for fieldname, term in r.all_terms():
            m = r.postings(fieldname, term)
            rows = []
            while m.is_active():
                rows.append((m.id(), m.weight(), m.value()))
                m.next()
            postings[(fieldname, term)] = rows
        n = r.doc_count_all()
        out = {
            "postings": postings,
            "stored": [r.stored_fields(i) for i in range(n)],
            "lengths": [r.doc_field_length(i, F.TEXT) for i in range(n)],
            "total": r.field_length(F.TEXT),
            "columns": {f: list(r.column_reader(f)) for f in (F.KEY, F.SECTION, F.DEPT, F.DATE)},
        }
    ix.close()
    return out


def whoosh_writer_index(path, docs) -> None:
    """The reference: Whoosh's stock single-process writer."""
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), F.make_schema())
    writer = ix.writer()
    for doc in docs:
        writer.add_document(**doc.to_fields())
    writer.commit()
    ix.close()


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_index_counts_are_the_counts_of_index_tokens(text):
    assert analysis.index_counts(analysis.normalize(text)) == Counter(analysis.index_tokens(text))


def test_index_counts_on_generated_documents():
    for doc in synthetic.documents(30):
        text = f"{doc.title}\n{doc.plain_text()}"
        assert (analysis.index_counts(analysis.normalize(text))
                == Counter(analysis.index_tokens(text)))


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_possessive_doc_no_pattern_matches_like_the_backtracking_one(text):
    backtracking = re.compile(analysis._DOC_NO.pattern.replace("{1,12}+)", "{1,12})"))
    norm = analysis.normalize(text)
    assert ([m.groups() for m in analysis._DOC_NO.finditer(norm)]
            == [m.groups() for m in backtracking.finditer(norm)])


@pytest.mark.parametrize("limitmb", [128, 1])  # 1 MB: the postings spill to run files and merge
def test_the_full_build_writer_writes_what_whoosh_writes(tmp_path, limitmb):
    docs = [*CORPUS, *synthetic.documents(150)]
    whoosh_writer_index(tmp_path / "whoosh", docs)
    build = indexer.FullBuild(tmp_path / "ours", limitmb=limitmb)
    for doc in docs:
        build.add(doc)
    if limitmb == 1:
        assert build._writer.pool._runs  # the spill path really ran
    build.publish()
    ours = index_dump(layout.current_dir(tmp_path / "ours", SITE))
    assert ours == index_dump(tmp_path / "whoosh")
    assert len(ours["stored"]) == len(docs)


def test_a_build_flushed_in_segments_reads_like_one_segment(tmp_path):
    docs = [*CORPUS, *synthetic.documents(120)]
    whoosh_writer_index(tmp_path / "whoosh", docs)
    build = indexer.FullBuild(tmp_path / "ours", segment_docs=50)
    for doc in docs:
        build.add(doc)
    build.publish()
    live = layout.current_dir(tmp_path / "ours", SITE)
    assert len(whoosh_index.open_dir(str(live))._segments()) == 3
    assert index_dump(live) == index_dump(tmp_path / "whoosh")
    for q in ("审批", "政府信息公开", "示政办〔2024〕12号", "会议"):
        params = query.parse_params({"q": q})
        ours = query.search(params, tmp_path / "ours")
        ref = indexer.build(tmp_path / "ref", docs) and query.search(params, tmp_path / "ref")
        assert ([(h.url, h.score) for h in ours.hits] == [(h.url, h.score) for h in ref.hits])
        assert ours.total == ref.total and ours.total > 0


def test_a_cancelled_full_build_publishes_nothing_and_releases_the_lock(index_dir):
    build = indexer.FullBuild(index_dir)
    build.add(make_doc(50, body="不应出现"))
    build.cancel()
    assert layout.current_name(index_dir, SITE) == "v000001"
    assert indexer.build(index_dir, CORPUS).version == "v000003"  # the lock is free again


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, message) -> None:
        self.sent.append(message)


def run_stream(index_dir, batches, paths, rest, *, full=False):
    inbox: queue.Queue = queue.Queue()
    for batch in batches:
        inbox.put((indexer.DOCS, batch))
    inbox.put((indexer.END, (paths, rest)))
    outbox = Outbox()
    indexer.stream_build(str(index_dir), SITE, full, 128, 2, inbox, outbox, os.getppid())
    assert len(outbox.sent) == 1
    return outbox.sent[0]


def test_a_cold_streamed_build_indexes_what_the_site_has_and_drops_strays(tmp_path):
    index_dir = tmp_path / "_search"
    stray = make_doc(40, title="后来未发布的文件", body="草稿内容")
    kind, report = run_stream(index_dir, [CORPUS[:3], [stray, CORPUS[3]]],
                              [d.path for d in CORPUS], CORPUS[4:])
    assert kind == "ok" and f"full build {SITE}/v000001" in report
    paths = {h.url for h in query.search(query.parse_params({"section": "xxgk"}), index_dir).hits}
    assert "/xxgk/wj/doc-40.html" not in paths
    assert query.search(query.parse_params({"q": "审批"}), index_dir).total == 3
    assert query.search(query.parse_params({"q": "草稿"}), index_dir).total == 0


def test_a_streamed_build_with_a_live_index_is_incremental(index_dir):
    docs = [*CORPUS[:4], make_doc(9, title="新文件", body="森林防火")]
    kind, report = run_stream(index_dir, [docs[:2]], [d.path for d in docs], docs[2:])
    assert kind == "ok" and "incremental" in report and " 1 (re)indexed, 1 removed" in report
    assert query.search(query.parse_params({"q": "森林防火"}), index_dir).total == 1


def test_pickled_documents_are_indexed_like_documents(index_dir, tmp_path):
    """The incremental site build sends the search documents its cache keeps pickled, as they
    are: the writer reads them like the others, streamed (a cold build) or kept (incremental)."""
    docs = [*CORPUS[:4], make_doc(9, title="新文件", body="森林防火")]
    mixed = [pickle.dumps(d) if i % 2 else d for i, d in enumerate(docs)]
    kind, report = run_stream(index_dir, [mixed[:3]], [d.path for d in docs], docs[3:])
    assert kind == "ok" and "incremental" in report and " 1 (re)indexed, 1 removed" in report
    assert query.search(query.parse_params({"q": "森林防火"}), index_dir).total == 1
    cold, plain = tmp_path / "cold", tmp_path / "plain"
    kind, report = run_stream(cold, [mixed], [d.path for d in docs], [])
    assert kind == "ok" and "full build" in report
    run_stream(plain, [docs], [d.path for d in docs], [])
    for q in ("森林防火", "审批", "政府信息公开"):
        params = query.parse_params({"q": q})
        assert ([h.url for h in query.search(params, cold).hits]
                == [h.url for h in query.search(params, plain).hits])
    assert query.search(query.parse_params({"q": "森林防火"}), cold).total == 1


def test_a_failed_streamed_build_reports_the_error_and_keeps_the_live_index(index_dir):
    bad = make_doc(41, date="不是日期")  # Whoosh's DATETIME field refuses it
    kind, message = run_stream(index_dir, [[*CORPUS, bad]], [d.path for d in CORPUS] + [bad.path],
                               [], full=True)
    assert kind == "error" and message
    assert layout.current_name(index_dir, SITE) == "v000001"
    assert query.search(query.parse_params({"q": "审批"}), index_dir).total == 3
    query.close_all()
    # the failed version is unpublished and the lock released: the next build goes through
    assert indexer.build(index_dir, CORPUS, full=True).version == "v000003"
