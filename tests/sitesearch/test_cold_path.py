"""A worker's first use of a word: term look-ups on a mapped segment, fast postings beside it.

Both are caches of what Whoosh holds; these tests hold them to exactly Whoosh's answers, and hold
the query to the same results with them, without them and with a damaged file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh.filedb.filestore import FileStorage

from harness.search import synthetic
from sitesearch import fastpost, indexer, layout, query
from sitesearch import fields as F
from sitesearch.mapped import MappedTerms, Unsupported
from sitesearch.postings import leaf_postings
from tests.sitesearch.conftest import SITE, make_doc

QUERIES = ["公开", "审批 政务", "县 局", "营商环境", '"政府信息"', "公", "没有这个词", "2024", "hpv"]


@pytest.fixture
def cluster(tmp_path) -> Path:
    root = tmp_path / "idx"
    indexer.build(root, list(synthetic.documents(240, site=SITE)), site=SITE)
    indexer.build(root, list(synthetic.documents(60, 7, 240, site="xz", site_name="乡镇")), site="xz")
    yield root


def _leaves(version: Path):
    ix = FileStorage(str(version), supports_mmap=False).open_index()
    reader = ix.reader()
    return ix, reader, [leaf for leaf, _ in reader.leaf_readers()]


def _results(root: Path) -> list:
    out = []
    for q in QUERIES:
        for extra in ({}, {"site": "xz"}, {"sort": "date"}):
            r = query.search(query.parse_params({"q": q, **extra}), root)
            out.append((q, extra, r.total, [(h.url, h.score) for h in r.hits],
                        {k: [(v.value, v.count) for v in vals] for k, vals in r.facets.items()}))
    query.close_all()
    return out


def test_every_term_reads_the_same_through_the_map_and_the_fast_file(cluster):
    version = layout.current_dir(cluster, SITE)
    ix, reader, leaves = _leaves(version)
    try:
        checked = 0
        for leaf in leaves:
            mapped = MappedTerms(leaf)
            fast = fastpost.FastPostings(fastpost.path_for(version, leaf.segment().segment_id()),
                                         leaf.doc_count_all())
            try:
                for fieldname, term in leaf.all_terms():
                    if fieldname not in (F.TEXT, F.SECTION, F.DEPT, F.CODES, F.DOC_NO, F.SITE):
                        continue  # the others hold numbers as binary terms
                    text = term.decode("utf-8")
                    expected = leaf_postings(leaf, fieldname, text)
                    got = leaf_postings(leaf, fieldname, text, mapped)
                    assert all(np.array_equal(a, b) for a, b in zip(expected, got, strict=True))
                    if fieldname == F.TEXT:
                        ids, tf = fast.get(text)
                        assert np.array_equal(ids, expected[0]) and np.array_equal(tf, expected[1])
                    checked += 1
                assert mapped.term_info(F.TEXT, "没有这个词") is None
                assert fast.get("没有这个词") is None and fast.get("") is None
            finally:
                mapped.close()
                fast.close()
        assert checked > 1000
    finally:
        reader.close()
        ix.close()


def test_a_segment_read_through_whoosh_s_own_map_is_not_mapped_again(cluster):
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(layout.current_dir(cluster, SITE)))  # Whoosh's mmap mode
    with ix.reader() as reader, pytest.raises(Unsupported):
        MappedTerms(next(leaf for leaf, _ in reader.leaf_readers()))
    ix.close()


def test_every_built_version_has_its_fast_postings_and_queries_use_them(cluster):
    for site in (SITE, "xz"):
        version = layout.current_dir(cluster, site)
        ix, reader, leaves = _leaves(version)
        segments = {leaf.segment().segment_id() for leaf in leaves}
        reader.close()
        ix.close()
        assert {p.name for p in version.glob("*.gpf")} == {f"{s}.gpf" for s in segments}
    snap = query.snapshot(cluster)
    assert all(f is not None for p in snap.parts for f in p.fast)


def test_results_are_the_same_with_without_and_with_damaged_fast_postings(cluster, caplog):
    with_fast = _results(cluster)
    files = sorted(cluster.glob("*/v*/*.gpf"))
    assert files
    for f in files:
        f.rename(f.with_suffix(".off"))
    assert _results(cluster) == with_fast
    # damaged in three ways: another segment's count, cut short, not the format at all
    for f, damage in zip(files, ("count", "short", "magic"), strict=False):
        data = bytearray(f.with_suffix(".off").read_bytes())
        if damage == "count":
            data[32:40] = (int.from_bytes(data[32:40], "little") + 1).to_bytes(8, "little")
        elif damage == "short":
            data = data[: len(data) // 2]
        else:
            data[:8] = b"NOTAFILE"
        f.write_bytes(bytes(data))
    assert _results(cluster) == with_fast
    assert "fast postings of" in caplog.text


def test_an_incremental_build_writes_the_new_segment_s_file_and_drops_gone_ones(cluster):
    docs = list(synthetic.documents(60, 7, 240, site="xz", site_name="乡镇"))
    docs[3] = make_doc(900, site="xz", body="新增的乡村振兴补贴文件", url=docs[3].url, path=docs[3].path)
    before = _results(cluster)
    report = indexer.build(cluster, docs, site="xz")
    assert not report.full and report.added == 1
    version = layout.current_dir(cluster, "xz")
    ix, reader, leaves = _leaves(version)
    segments = {leaf.segment().segment_id() for leaf in leaves}
    reader.close()
    ix.close()
    assert {p.name for p in version.glob("*.gpf")} == {f"{s}.gpf" for s in segments}
    found = query.search(query.parse_params({"q": "乡村振兴补贴"}), cluster)
    assert [h.url for h in found.hits] == [docs[3].url]
    query.close_all()
    assert _results(cluster) != before  # the change is seen (sanity of the comparison above)


def test_indexes_built_before_fast_postings_are_upgraded_in_place(cluster):
    expected = _results(cluster)
    for f in cluster.glob("*/v*/*.gpf"):
        f.unlink()
    assert indexer.add_fast_postings(cluster) >= 2
    assert indexer.add_fast_postings(cluster) == 0
    assert _results(cluster) == expected


def _gathered(reader, path: Path) -> None:
    """The writer as it was before it streamed: every posting list in memory, sorted, written."""
    entries = []
    for raw in reader.lexicon(F.TEXT):
        ids, tf = leaf_postings(reader, F.TEXT, raw.decode("utf-8"))
        entries.append((fastpost.term_hash(raw), raw, ids, tf))
    entries.sort(key=lambda e: (e[0], e[1]))
    nterms, npost = len(entries), sum(len(e[2]) for e in entries)
    blob = b"".join(e[1] for e in entries)
    arrays = {
        "hashes": np.array([e[0] for e in entries], "<u8"),
        "terms": np.cumsum([0] + [len(e[1]) for e in entries], dtype="<i8"),
        "starts": np.cumsum([0] + [len(e[2]) for e in entries], dtype="<i8"),
        "ids": np.concatenate([np.zeros(0, "<i4")] + [e[2].astype("<i4") for e in entries]),
        "tf": np.concatenate([np.zeros(0, "<f4")] + [e[3].astype("<f4") for e in entries]),
        "blob": np.frombuffer(blob, "u1"),
    }
    with open(path, "wb") as fh:
        fh.write(fastpost.MAGIC)
        fh.write(np.array([nterms, npost, len(blob), reader.doc_count_all()], "<u8").tobytes())
        for name, _dtype, _count, offset in fastpost._layout(nterms, npost, len(blob)):
            fh.write(b"\0" * (offset - fh.tell()))
            fh.write(arrays[name].tobytes())


@pytest.mark.parametrize("flush", [fastpost._FLUSH, 64])
def test_the_streaming_writer_writes_the_bytes_the_gathering_one_did(cluster, tmp_path, monkeypatch,
                                                                   flush):
    monkeypatch.setattr(fastpost, "_FLUSH", flush)  # 64: a buffer written out inside every array
    docs = list(synthetic.documents(60, 7, 240, site="xz", site_name="乡镇"))
    docs[3] = make_doc(900, site="xz", body="新增的乡村振兴补贴文件", url=docs[3].url, path=docs[3].path)
    indexer.build(cluster, docs, site="xz")  # a second segment, and a deletion in the first
    compared = total = 0
    for site in (SITE, "xz"):
        ix, reader, leaves = _leaves(layout.current_dir(cluster, site))
        try:
            for n, leaf in enumerate(leaves):
                _gathered(leaf, tmp_path / f"{site}{n}.old")
                fastpost.write(leaf, tmp_path / f"{site}{n}.new")
                old = (tmp_path / f"{site}{n}.old").read_bytes()
                assert (tmp_path / f"{site}{n}.new").read_bytes() == old
                compared += 1
                total += len(old)
        finally:
            reader.close()
            ix.close()
    assert compared == 3 and total > 100_000
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("limitmb", [128, 1])  # 1 MB: the pool spills, the segment is read back
@pytest.mark.parametrize("coarse", [False, True])
def test_a_full_build_writes_from_its_pool_the_bytes_read_back_from_the_segment(
        tmp_path, monkeypatch, limitmb, coarse):
    if coarse:  # many terms share a hash: their order is the bytes', whatever order they came in
        monkeypatch.setattr(fastpost, "term_hash", lambda raw: len(raw) % 5)
    read_back: list[str] = []
    write = fastpost.write
    monkeypatch.setattr(fastpost, "write", lambda reader, path: (read_back.append(path.name),
                                                                write(reader, path)))
    docs = [*synthetic.documents(299, site=SITE), make_doc(999, body="")]
    build = indexer.FullBuild(tmp_path / "idx", segment_docs=100, limitmb=limitmb)
    for doc in docs:
        build.add(doc)
    build.publish()
    version = layout.current_dir(tmp_path / "idx", SITE)
    ix, reader, leaves = _leaves(version)
    try:
        assert len(leaves) == 3
        for n, leaf in enumerate(leaves):
            built = fastpost.path_for(version, leaf.segment().segment_id())
            write(leaf, tmp_path / f"{n}.gpf")
            assert built.read_bytes() == (tmp_path / f"{n}.gpf").read_bytes()
    finally:
        reader.close()
        ix.close()
    # only a spilled pool's segments were decoded back (at 1 MB each segment's pool spills)
    assert len(read_back) == (3 if limitmb == 1 else 0)


def test_a_term_whose_postings_disagree_with_its_term_info_leaves_no_file(cluster, tmp_path,
                                                                          monkeypatch):
    def one_short(reader, fieldname, text, terms_map=None):
        ids, tf = leaf_postings(reader, fieldname, text)
        return ids[1:], tf[1:]

    monkeypatch.setattr(fastpost, "leaf_postings", one_short)
    (tmp_path / "out").mkdir()
    ix, reader, leaves = _leaves(layout.current_dir(cluster, SITE))
    try:
        with pytest.raises(ValueError, match="term info says"):
            fastpost.write(leaves[0], tmp_path / "out" / "seg.gpf")
    finally:
        reader.close()
        ix.close()
    assert list((tmp_path / "out").iterdir()) == []


def test_an_empty_segment_s_file_is_written_and_read(tmp_path):
    class Empty:
        def iter_field(self, fieldname):
            return iter(())

        def doc_count_all(self):
            return 0

    fastpost.write(Empty(), tmp_path / "empty.gpf")
    fast = fastpost.FastPostings(tmp_path / "empty.gpf", 0)
    try:
        assert fast.get("公开") is None
    finally:
        fast.close()


def test_a_site_without_documents_builds_an_empty_index_that_answers(tmp_path):
    # a new sub-site whose content/ is still empty: Whoosh's empty index has no segment at all
    root = tmp_path / "idx"
    indexer.build(root, [], site="xz")
    version = layout.current_dir(root, "xz")
    assert fastpost.write_missing(version) == 0
    assert not list(Path(version).glob(f"*{fastpost.SUFFIX}"))
    assert query.search(query.parse_params({"q": "公开", "site": "xz"}), root).total == 0
