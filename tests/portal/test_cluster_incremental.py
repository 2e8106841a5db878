"""What an incremental build keeps (``portal.cluster.incremental``): the parts a fresh process must
agree on, without building a site (the builds themselves: tests/site/test_cluster_incremental.py)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from datetime import date

import pytest

from portal import frontmatter
from portal.cluster import fingerprint, incremental
from tests.conftest import ROOT

TEXT = """---
title: 示例
index_no: "01150017-7/2026-00001"
materials:
  - name: 身份证
    form: files/a.pdf
---
正文
"""


def test_a_cached_document_reports_the_same_lines_without_its_yaml_node(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(TEXT, encoding="utf-8")
    doc = frontmatter.parse(path)
    checked = incremental.Checked(doc, [])
    kept = pickle.loads(pickle.dumps(incremental._without_node(checked, path.read_bytes())))
    assert kept.doc.node is None and kept.doc.meta == doc.meta
    for keys in [("index_no",), ("materials", 0, "form"), ("nothing",), ("materials", 5)]:
        assert kept.doc.line_of(*keys) == doc.line_of(*keys), keys


def test_a_reused_check_gives_the_document_the_check_made(tmp_path):
    """Kept without its path (a Path costs its parsing again when unpickled), the document a reused
    check hands back has it again, and everything else the fresh check found."""
    from portal import check, departments

    content = tmp_path / "content"
    path = content / "xxgk" / "wj" / "a.md"
    path.parent.mkdir(parents=True)
    path.write_text(TEXT, encoding="utf-8")
    site = check.Site(content, departments.Registry([]), root=tmp_path)
    first = incremental.ReaderCache(tmp_path / "cache")
    fresh, _ = first.check(path, "xxgk/wj/a.md", site, check.check_file)
    first.save()
    again = incremental.ReaderCache(tmp_path / "cache")
    site = check.Site(content, departments.Registry([]), root=tmp_path)
    reused, _ = again.check(path, "xxgk/wj/a.md", site, check.check_file)
    assert again.hits == 1
    assert reused.doc.path == fresh.doc.path == path
    assert (reused.doc.meta, reused.doc.body, reused.doc.body_line) == (fresh.doc.meta, fresh.doc.body, fresh.doc.body_line)
    assert [str(p) for p in reused.problems] == [str(p) for p in fresh.problems]
    assert reused.doc.line_of("materials", 0, "form") == fresh.doc.line_of("materials", 0, "form")


SUMMARY = """
import hashlib, json, sys
from datetime import date
from portal.cluster import incremental
class Thing:
    def __init__(self):
        self.names = {"乙", "甲", "丙"}
        self.when = date(2026, 12, 6)
        self.settings = object()  # machinery: left out
value = {"items": [Thing(), ("a", 1, 2.5, None, True)], "frozen": frozenset({"x", "y", "z"})}
print(hashlib.sha1(repr(incremental.stable(value, {})).encode()).hexdigest())
"""


def test_a_page_summary_is_the_same_in_every_process():
    """Sets iterate in another order in every process (string hashes are randomised)."""
    seen = set()
    for seed in ("1", "2", "3"):
        run = subprocess.run([sys.executable, "-c", SUMMARY], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        seen.add(run.stdout.strip())
    assert len(seen) == 1


def test_a_page_summary_changes_with_what_the_page_shows():
    class Doc:
        def __init__(self, title: str) -> None:
            self.relative_source_path = "xxgk/a.md"
            self.metadata = {"title": title}
            self.title = title
            self._context = {"anything": object()}

    def digest(value: object) -> str:
        return repr(incremental.stable(value, {}))

    assert digest({"article": Doc("甲")}) == digest({"article": Doc("甲")})
    assert digest({"article": Doc("甲")}) != digest({"article": Doc("乙")})
    assert digest([date(2026, 1, 1)]) != digest([date(2026, 1, 2)])
    assert digest({"n": 1}) != digest({"n": "1"})


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_an_unreadable_cache_counts_as_empty(tmp_path, content):
    (tmp_path / incremental.READER_FILE).write_bytes(content)
    (tmp_path / incremental.PAGES_FILE).write_bytes(content)
    assert incremental.ReaderCache(tmp_path).old == {}
    pages = incremental.PageDigests(tmp_path, full=False)
    assert pages.old == {} and pages.gone() == []


def test_a_cache_of_another_version_counts_as_empty(tmp_path):
    with (tmp_path / incremental.PAGES_FILE).open("wb") as f:
        pickle.dump(((0, "python 2"), {"pages": {"index.html": "x"}}), f)
    assert incremental.PageDigests(tmp_path, full=False).old == {}


def test_documents_and_the_rest_of_a_site(tmp_path):
    content = tmp_path / "content"
    (content / "xxgk").mkdir(parents=True)
    (content / "files").mkdir()
    doc = content / "xxgk" / "a.md"
    doc.write_text(TEXT, encoding="utf-8")
    (content / "files" / "notes.md").write_text("附件", encoding="utf-8")
    (content / "columns.yml").write_text("{}", encoding="utf-8")
    assert fingerprint.is_document(str(doc), content)
    assert not fingerprint.is_document(str(content / "files" / "notes.md"), content)
    assert not fingerprint.is_document(str(content / "columns.yml"), content)

    def parts() -> tuple[str, str]:
        return fingerprint.compute_parts([tmp_path], {"SITENAME": "x"}, content_dir=content)

    full, base = parts()
    doc.write_text(TEXT + "更多\n", encoding="utf-8")
    full2, base2 = parts()
    assert full2 != full and base2 == base  # a document: an incremental build
    (content / "files" / "notes.md").write_text("附件二", encoding="utf-8")
    assert parts()[1] != base  # an attachment: a full build


def test_the_runner_keeps_both_fingerprints(tmp_path):
    fingerprint.store(tmp_path, "s001", "full", "base")
    assert fingerprint.stored_base(tmp_path, "s001") == "base"
    (tmp_path / "index.html").write_text("x", encoding="utf-8")
    assert fingerprint.unchanged(tmp_path, "s001", "full", tmp_path)
    fingerprint.forget(tmp_path, "s001")
    assert fingerprint.stored_base(tmp_path, "s001") is None
    fingerprint.stored_path(tmp_path, "s002").parent.mkdir(parents=True, exist_ok=True)
    fingerprint.stored_path(tmp_path, "s002").write_bytes(b"\xff\xfe")  # damaged: a full build
    assert fingerprint.stored_base(tmp_path, "s002") is None
    assert not fingerprint.unchanged(tmp_path, "s002", "full", tmp_path)


def test_the_listed_documents_hint_follows_the_disclosure_documents_only(tmp_path):
    """``fingerprint.listed`` (the runner's hint for holding the county's build) changes when a
    信息公开 document is edited, added or removed, not when a news item or an attachment is; it
    is kept with the fingerprints, and a file written before it has none."""
    content = tmp_path / "content"
    disclosure = content / "xxgk" / "wj" / "2026" / "a.md"
    news = content / "zwdt" / "b.md"
    for path in (disclosure, news, content / "files" / "c.md"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("甲", encoding="utf-8")
    first = fingerprint.listed(content)
    news.write_text("乙乙", encoding="utf-8")
    (content / "files" / "c.md").write_text("丙丙", encoding="utf-8")
    (content / "zwdt" / "d.md").write_text("丁", encoding="utf-8")
    assert fingerprint.listed(content) == first
    disclosure.write_text("甲（修订）", encoding="utf-8")
    edited = fingerprint.listed(content)
    assert edited != first
    added = disclosure.with_name("e.md")
    added.write_text("戊", encoding="utf-8")
    assert fingerprint.listed(content) not in (first, edited)
    added.unlink()
    assert fingerprint.listed(content) == edited
    fingerprint.store(tmp_path, "s001", "full", "base", edited)
    assert fingerprint.stored_listed(tmp_path, "s001") == edited
    assert fingerprint.stored_base(tmp_path, "s001") == "base"
    fingerprint.store(tmp_path, "s001", "full", "base")
    assert fingerprint.stored_listed(tmp_path, "s001") is None
    assert fingerprint.stored_base(tmp_path, "s001") == "base"


def test_the_county_depends_on_the_listed_entries_of_a_manifest_only(tmp_path):
    from portal.cluster import manifest

    path = tmp_path / "s001" / "_cluster" / "manifest.json"
    path.parent.mkdir(parents=True)

    def write(news_title: str, doc_title: str) -> bytes:
        path.write_text(json.dumps({"version": 1, "site": "s001", "documents": [
            {"type": "news", "title": news_title, "url": "s001/zwdt/a.html"},
            {"type": manifest.LISTED, "title": doc_title, "url": "s001/xxgk/wj/b.html"}]}), encoding="utf-8")
        return manifest.listed(path)

    first = write("新闻", "文件")
    assert write("新闻（改）", "文件") == first
    assert write("新闻", "文件（改）") != first
    path.unlink()
    assert manifest.listed(path) != first  # never built: nothing listed


def test_a_long_list_is_summarised_by_a_hash_that_still_sees_every_item():
    """A pager's list of every page of a long list is handed to each of its pages: its summary is
    a hash (short), and changing any one link changes it."""
    pages = [f"/xxgk/ml/index_{n}.html" for n in range(2, 2000)]
    memo: dict[int, tuple[object, object]] = {}
    summary = incremental.stable({"pagination": {"number": 7, "pages": pages}}, memo)
    assert len(repr(summary)) < 200
    assert incremental.stable({"pagination": {"number": 7, "pages": list(pages)}}, {}) == summary
    changed = [*pages[:1500], "/xxgk/ml/index_x.html", *pages[1501:]]
    assert incremental.stable({"pagination": {"number": 7, "pages": changed}}, {}) != summary


def test_a_long_markup_text_is_hashed_once_and_told_apart():
    from markupsafe import Markup

    sidebar = Markup("<nav>" + "<a href='/xxgk/ml/zt/01/'>综合政务</a>" * 50 + "</nav>")
    memo: dict[int, tuple[object, object]] = {}
    first = incremental.stable([sidebar], memo)
    assert incremental.stable([sidebar], memo) == first == incremental.stable([Markup(str(sidebar))], {})
    assert incremental.stable([Markup(str(sidebar).replace("综合政务", "国防"))], {}) != first
    assert incremental.stable([str(sidebar)], {}) != first  # a plain text is another value


def test_a_list_is_kept_whole_only_with_its_digest_each_pages_digest_and_every_file(tmp_path):
    """``PageDigests.keep_list``: a paginated list's pages are kept at once only when the list's
    digest is the last build's, each page has the digest the last build gave it, and every file
    is there; otherwise nothing is carried over (its pages go one by one), and a full build keeps
    nothing. The list's digest is noted either way."""
    names = ["xxgk/ml/index.html", "xxgk/ml/index_2.html"]
    first = incremental.PageDigests(tmp_path, full=False)
    assert not first.keep_list("xxgk/ml/", "L1", names, lambda: True)  # no last build
    first.new.update({names[0]: "P1"})  # the second page was not written (a failed listing?)
    first.save()
    second = incremental.PageDigests(tmp_path, full=False)
    assert not second.keep_list("xxgk/ml/", "L1", names, lambda: True)
    assert second.new == {}
    second.new.update({names[0]: "P1", names[1]: "P2"})
    second.save()
    for full, digest, present, kept in ((False, "L1", True, True), (False, "L2", True, False),
                                        (False, "L1", False, False), (True, "L1", True, False)):
        pages = incremental.PageDigests(tmp_path, full=full)
        assert pages.keep_list("xxgk/ml/", digest, names, lambda present=present: present) is kept
        assert pages.new == ({names[0]: "P1", names[1]: "P2"} if kept else {})
        assert pages.lists == {"xxgk/ml/": digest}


def test_a_reader_cache_of_the_same_documents_is_not_written_again(tmp_path):
    """The county's 1,000 documents after a sub-site's edit: the same entries, its file not written
    again; a document changed, one given its search document or one removed writes it."""
    from portal import check, departments

    content = tmp_path / "content"
    paths = []
    for name in ("a", "b"):
        path = content / "xxgk" / "wj" / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEXT.replace("00001", "0000" + str(len(paths) + 1)), encoding="utf-8")
        paths.append(path)

    def build(names: tuple[str, ...] = ("a", "b"), search: bool = False) -> int:
        site = check.Site(content, departments.Registry([]), root=tmp_path)
        cache = incremental.ReaderCache(tmp_path / "cache")
        for name in names:
            cache.check(content / "xxgk" / "wj" / f"{name}.md", f"xxgk/wj/{name}.md", site, check.check_file)
            if search:
                cache.search_document(f"xxgk/wj/{name}.md", lambda name=name: {"n": name})
        cache.save()
        return cache.path.stat().st_mtime_ns

    kept = tmp_path / "cache" / incremental.READER_FILE
    first = build()
    os.utime(kept, ns=(1, 1))
    assert build() == 1  # the same documents: not written again
    with_search = build(search=True)
    assert with_search != 1 and build(search=True) == with_search
    os.utime(kept, ns=(1, 1))
    paths[0].write_text(TEXT + "补充。\n", encoding="utf-8")
    assert build() != 1
    os.utime(kept, ns=(1, 1))
    assert build(("a",)) != 1 and pickle.loads(kept.read_bytes())[1].keys() == {"xxgk/wj/a.md"}
    assert first


def test_derived_lines_are_mapped_from_their_file_and_made_again_when_it_is_not_the_one_kept(tmp_path):
    """``Derived.lines`` (the county's data/xxgk.json lines): kept in a file of their own, handed
    back mapped; made again when the key changed, the file is gone or not the size kept; the file
    of a source no longer asked for is deleted."""
    made: list[str] = []

    def lines(key: str, values: list[bytes], source: str = "m1") -> list[bytes]:
        derived = incremental.Derived(tmp_path)
        out = [bytes(line) for line in derived.lines("lines", source, key, lambda: made.append(key) or values)]
        derived.save()
        return out

    folder = tmp_path / incremental.DERIVED_DIR
    assert lines("k1", [b'{"a":1}', b'{"b":"\xe4\xb8\x80"}']) == [b'{"a":1}', b'{"b":"\xe4\xb8\x80"}']
    assert lines("k1", [b"other"]) == [b'{"a":1}', b'{"b":"\xe4\xb8\x80"}'] and made == ["k1"]
    [kept] = folder.glob("*.lines")
    assert kept.read_bytes() == b'{"a":1}{"b":"\xe4\xb8\x80"}'
    assert lines("k2", [b"x", b"yz"]) == [b"x", b"yz"] and made == ["k1", "k2"]
    [kept] = folder.glob("*.lines")  # the first version's file is gone with its key
    kept.write_bytes(b"x")  # not the size kept (a damaged cache)
    assert lines("k2", [b"x", b"yz"]) == [b"x", b"yz"] and made == ["k1", "k2", "k2"]
    next(folder.glob("*.lines")).unlink()
    assert lines("k2", [b"x", b"yz"]) == [b"x", b"yz"] and made == ["k1", "k2", "k2", "k2"]
    assert lines("k3", []) == [] and lines("k3", [b"no"]) == [] and not list(folder.glob("*.lines"))
    lines("k4", [b"m2"], source="m2")  # m1 no longer asked for: its files go
    assert [p.suffix for p in sorted(folder.iterdir())] == [".lines", ".pickle"]
    assert lines("k4", [b"other"], source="m2") == [b"m2"]


def test_a_long_text_counts_by_its_hash_and_equal_values_of_other_objects_alike():
    """A document's HTML and summary are summarised by a hash of their text (not spelled out in
    every container that holds them); the summary's bytes depend on the values, not on which
    objects hold them (``marshal`` without references)."""
    html = "<p>" + "示范县城关镇人民政府" * 60 + "</p>"

    def doc(text: str) -> dict:
        return {"_content": text, "metadata": {"summary": text, "tags": ["甲", "甲"]}, "n": 1, "ok": True}

    copy = "".join(list(html))  # equal, another object
    assert copy is not html
    assert incremental.value_digest(doc(html)) == incremental.value_digest(doc(copy))
    assert incremental.value_digest(doc(html)) != incremental.value_digest(doc(html.replace("城关镇", "东关镇")))
    assert len(repr(incremental.stable(doc(html), {}))) < len(html)
    # what marshal refuses (a subclass of a plain type) is summarised by its repr, told apart
    from markupsafe import Markup

    assert incremental._serial(Markup("a")) != incremental._serial("a")
