"""The publishing build after an edit (``python -m portal.cluster build``, issue 26): a site whose
documents alone changed is built incrementally (``portal.cluster.incremental``), and what it
leaves in the output is, file by file, what a fresh full build of the same tree writes.

A cluster of three ``harness.synth`` sites (the county and two sub-sites) is built once; each step
edits it, runs the runner, then builds the same tree with ``--force`` into a new folder and
compares the two. Not compared: ``_search/`` (the search index: version folders and Whoosh
segments differ by name and time; its documents are compared instead) and ``_cluster/`` at the
root (the runner's logs, fingerprints and caches). Normalised: the time a build wrote the JSON
exports (``"generated"``) and each feed's own ``<updated>``.
"""

from __future__ import annotations

import array
import fcntl
import hashlib
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from harness.cluster_bench import make_repo
from portal.cluster import incremental, lists, runner
from tests.conftest import ROOT
from tests.site.test_cluster_build import cluster_cmd

DOCS = 30
NOT_COMPARED = ("_search/", "_cluster/")


GENERATED = re.compile(rb'"generated": ?"[^"]*"')  # data/*.json: when the file was written (cluster.json is compact)
FEED_UPDATED = re.compile(rb"<updated>[^<]*</updated>")  # a feed's own (before its first entry)


def normalised(rel: str, data: bytes) -> bytes:
    """A file with its build time left out: the only bytes two builds of one tree may differ in."""
    if rel.endswith(".json"):
        return GENERATED.sub(b'"generated":""', data, count=1)
    if rel.endswith(".atom.xml"):
        head, sep, rest = data.partition(b"<entry>")
        return FEED_UPDATED.sub(b"<updated></updated>", head, count=1) + sep + rest
    return data


def tree(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(NOT_COMPARED):
            out[rel] = hashlib.sha1(normalised(rel, path.read_bytes())).hexdigest()
    return out


def indexed(output: Path) -> dict[str, dict[str, str]]:
    """Each site's live search documents: path → path and content hash."""
    from whoosh import index as whoosh_index

    from sitesearch import indexer, layout

    out = {}
    for site in ("county", "s001", "s002"):
        ix = whoosh_index.open_dir(str(layout.current_dir(output / "_search", site)))
        out[site] = indexer._live_keys(ix)
        ix.close()
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("incremental")
    repo, out = root / "repo", root / "out"
    make_repo(repo, 3, DOCS)
    run = cluster_cmd(repo, out, "--workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    return repo, out


def build(repo: Path, out: Path) -> str:
    run = cluster_cmd(repo, out, "--workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def assert_same_as_a_full_build(repo: Path, out: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    run = cluster_cmd(repo, fresh, "--workers", "2", "--force")
    assert run.returncode == 0, run.stdout + run.stderr
    mine, theirs = tree(out), tree(fresh)
    assert sorted(set(mine) - set(theirs)) == [], "left over"
    assert sorted(set(theirs) - set(mine)) == [], "missing"
    assert [p for p in mine if mine[p] != theirs[p]] == []
    assert indexed(out) == indexed(fresh)


def line(stdout: str, site: str) -> str:
    return next((x for x in stdout.splitlines() if x.startswith(f"{site}: ")), "")


def disclosure(repo: Path, site: str, n: int = 0) -> Path:
    return sorted((repo / "sites" / site / "content" / "xxgk").rglob("*.md"))[n]


def news(repo: Path, site: str, n: int = 0) -> Path:
    return sorted((repo / "sites" / site / "content" / "zwdt").rglob("*.md"))[n]


def test_a_body_edit_rebuilds_that_site_incrementally_only(cluster, tmp_path):
    repo, out = cluster
    doc = disclosure(repo, "s001")
    doc.write_text(doc.read_text(encoding="utf-8") + "\n补充说明：本文件内容有更新。\n", encoding="utf-8")
    stdout = build(repo, out)
    assert "增量" in line(stdout, "s001")
    assert "跳过" in line(stdout, "s002") and "跳过" in line(stdout, "county")
    assert "本文件内容有更新" in (out / "s001" / doc_url(out, "s001", doc)).read_text(encoding="utf-8")
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_an_edit_that_keeps_the_size_is_seen(cluster, tmp_path):
    """The reader takes a document of the same size and modification time as the one the last
    build read (as the fingerprint does); an edit of the same size has another time."""
    repo, out = cluster
    doc = disclosure(repo, "s002", 4)
    text = doc.read_text(encoding="utf-8")
    body_start = text.index("\n---", 3) + 4
    char = next(c for c in text[body_start:] if "\u4e00" <= c <= "\u9fff")
    swapped = "甲" if char != "甲" else "乙"
    at = text.index(char, body_start)
    doc.write_text(text[:at] + swapped + text[at + 1:], encoding="utf-8")
    assert doc.stat().st_size == len(text.encode("utf-8"))
    stdout = build(repo, out)
    assert "增量" in line(stdout, "s002"), stdout
    assert_same_as_a_full_build(repo, out, tmp_path)


def doc_url(out: Path, site: str, doc: Path) -> str:
    """Where a disclosure document is published: its name under xxgk/wj/ (synth's layout)."""
    found = list((out / site / "xxgk").rglob(doc.stem + ".html"))
    assert found, doc
    return found[0].relative_to(out / site).as_posix()


def test_a_title_a_new_and_a_removed_document_update_the_site_and_the_countys_lists(cluster, tmp_path):
    repo, out = cluster
    doc = disclosure(repo, "s001", 1)
    text = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r"^title: (.*)$", r"title: \1（修订）", text, count=1, flags=re.M), encoding="utf-8")
    added = news(repo, "s002", 0)
    shutil.copy(added, added.with_name("zz-new-" + added.name))
    removed = news(repo, "s002", 1)
    removed_url = [p for p in (out / "s002" / "zwdt").rglob(removed.stem + ".html")]
    assert removed_url
    removed.unlink()
    stdout = build(repo, out)
    for site in ("s001", "s002", "county"):  # the county lists s001's document by its title
        assert "增量" in line(stdout, site), stdout
    assert not removed_url[0].exists()
    county_lists = "".join(p.read_text(encoding="utf-8") for p in (out / "xxgk" / "ml").glob("index*.html"))
    assert "（修订）" in county_lists
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_a_title_edit_of_the_countys_own_document_updates_its_catalogue_pages(cluster, tmp_path):
    """The county digests its own documents' catalogue rows in its build (its sub-sites' are kept
    with their manifests): an edit of its own 信息公开 document shows on every list page that
    lists it, and only the county is built."""
    repo, out = cluster
    doc = sorted(d for d in (repo / "content" / "xxgk").rglob("*.md") if "/xxgk/wj/" in d.as_posix())[2]
    title = front(doc, "title")
    assert catalogue_page_of(out, title)
    doc.write_text(doc.read_text(encoding="utf-8").replace(f"title: {title}", f"title: {title}（县修订）", 1),
                   encoding="utf-8")
    stdout = build(repo, out)
    assert "增量" in line(stdout, "county"), stdout
    assert "跳过" in line(stdout, "s001") and "跳过" in line(stdout, "s002")
    assert catalogue_page_of(out, f"{title}（县修订）")
    assert_same_as_a_full_build(repo, out, tmp_path)


def catalogue_page_of(out: Path, title: str) -> str:
    """The county's 信息公开目录 page (``xxgk/ml/index*.html``) that lists a title, or ""."""
    for page in sorted((out / "xxgk" / "ml").glob("index*.html")):
        if f">{title}</a>" in page.read_text(encoding="utf-8"):
            return page.name
    return ""


def front(doc: Path, key: str) -> str:
    return re.search(rf"^{key}: (.*)$", doc.read_text(encoding="utf-8"), flags=re.M).group(1)


def catalogue_move(repo: Path) -> tuple[Path, str]:
    """A 信息公开 document of s001 and a date in its own year that moves it to another page of the
    county's 目录 (20 a page, newest first): dated back to the first day of its year off the first
    page, or forward to the last day onto it."""
    docs = [d for tree in (repo / "content", repo / "sites" / "s001" / "content", repo / "sites" / "s002" / "content")
            for d in (tree / "xxgk").rglob("*.md") if "/xxgk/wj/" in d.as_posix()]
    dates = {d: front(d, "date") for d in docs}
    ranked = sorted(docs, key=lambda d: dates[d], reverse=True)
    for rank, doc in enumerate(ranked):
        if "/sites/s001/" not in doc.as_posix():
            continue
        year = dates[doc][:4]
        for when in (f"{year}-01-01 08:00", f"{year}-12-31 17:00"):
            after = sum(dates[d] > when for d in docs if d != doc)
            if (rank < 20) != (after < 20):
                return doc, when
    raise AssertionError("no document of s001 changes its catalogue page within its year")


def test_a_disclosure_moved_across_the_catalogue_and_a_removed_one_update_the_countys_pages(cluster, tmp_path):
    """The county's catalogue pages show a sub-site's entry by its date: a document of s001
    dated so that it changes its page of the 目录 (the pages between are rendered again, the
    others kept); a removed 信息公开 document of s002 leaves the county's lists."""
    repo, out = cluster
    moved, when = catalogue_move(repo)
    title = front(moved, "title")
    before = catalogue_page_of(out, title)
    assert before
    text = re.sub(r"^date: .*$", f"date: {when}", moved.read_text(encoding="utf-8"), count=1, flags=re.M)
    moved.write_text(re.sub(r"^written: .*$", f"written: {when[:10]}", text, count=1, flags=re.M),
                     encoding="utf-8")
    s002 = sorted((repo / "sites" / "s002" / "content" / "xxgk").rglob("*.md"))
    # one that no other document names (by 索引号 or by a link): removing it is no content error
    texts = "".join(d.read_text(encoding="utf-8") for d in (repo / "sites" / "s002" / "content").rglob("*.md"))
    removed = next(d for d in s002 if texts.count(front(d, "index_no")) == 1 and d.stem + ".html" not in texts)
    removed_title = front(removed, "title")
    assert catalogue_page_of(out, removed_title)
    removed.unlink()
    stdout = build(repo, out)
    for site in ("s001", "s002", "county"):
        assert "增量" in line(stdout, site), stdout
    assert catalogue_page_of(out, title) not in ("", before)
    assert catalogue_page_of(out, removed_title) == ""
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_an_attachment_edit_falls_back_to_a_full_build_of_its_site(cluster, tmp_path):
    repo, out = cluster
    files = sorted((repo / "sites" / "s001" / "content" / "files").rglob("*.pdf"))
    assert files
    shutil.copy(files[0], files[0].with_name("extra-" + files[0].name))
    with files[0].open("ab") as f:
        f.write(b"\n%% revised\n")
    stdout = build(repo, out)
    assert "已生成" in line(stdout, "s001") and "增量" not in line(stdout, "s001")
    assert "跳过" in line(stdout, "s002")
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_static_files_deleted_by_hand_are_copied_again_by_an_incremental_build(cluster, tmp_path):
    """An incremental build copies only the static files missing from the output (every one is
    in the base: a changed one makes a full build); the theme's and an attachment, deleted by
    hand, are there again after a body edit."""
    repo, out = cluster
    theme_file = out / "s001" / "theme" / "css" / "site.css"
    attachment = sorted((out / "s001" / "files").rglob("*.pdf"))[0]
    theme_file.unlink()
    attachment.unlink()
    doc = disclosure(repo, "s001", 2)
    doc.write_text(doc.read_text(encoding="utf-8") + "\n又补充一段。\n", encoding="utf-8")
    stdout = build(repo, out)
    assert "增量" in line(stdout, "s001"), stdout
    assert theme_file.is_file() and attachment.is_file()
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_list_pages_deleted_by_hand_are_written_again_by_an_incremental_build(cluster, tmp_path):
    """A list page is kept when its digest is the last build's and its file is in its folder's
    listing (plugins/incremental ``write_page``, one listing a folder): the county's catalogue
    pages and s001's column lists, deleted by hand (most of them unchanged by the edit), are
    written again by the incremental builds after a title edit in s001."""
    repo, out = cluster
    gone = sorted((out / "xxgk" / "ml").rglob("index*.html")) + sorted((out / "s001" / "zwdt").rglob("index*.html"))
    assert len(gone) > 10
    for page in gone:
        page.unlink()
    title_edit(repo, "s001", 3, "（手删）")
    stdout = build(repo, out)
    for site in ("s001", "county"):
        assert "增量" in line(stdout, site), stdout
    assert [p for p in gone if not p.is_file()] == []
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_a_changed_static_file_of_a_sub_site_is_copied_by_a_full_build(cluster, tmp_path):
    """A sub-site's own static file (beside its logo) changed with a document: not an
    incremental build, the new file is published."""
    repo, out = cluster
    static = repo / "sites" / "s002" / "static"
    static.mkdir(exist_ok=True)
    (static / "badge.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n', encoding="utf-8")
    build(repo, out)
    published = out / "s002" / "theme" / "badge.svg"
    assert published.is_file()
    (static / "badge.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2"/>\n', encoding="utf-8")
    doc = news(repo, "s002", 3)
    doc.write_text(doc.read_text(encoding="utf-8") + "\n再补充一段。\n", encoding="utf-8")
    stdout = build(repo, out)
    assert "已生成" in line(stdout, "s002") and "增量" not in line(stdout, "s002"), stdout
    assert 'width="2"' in published.read_text(encoding="utf-8")
    assert_same_as_a_full_build(repo, out, tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_builds_everything_with_the_same_output(cluster, tmp_path, damage):
    repo, out = cluster
    folder = incremental.cache_dir(out, "s002")
    for name in (incremental.READER_FILE, incremental.PAGES_FILE):
        path = folder / name
        data = path.read_bytes()
        path.write_bytes(b"not a pickle" if damage == "garbage" else data[: len(data) // 2])
    doc = news(repo, "s002", 2)
    doc.write_text(doc.read_text(encoding="utf-8") + "\n又一段正文。\n", encoding="utf-8")
    stdout = build(repo, out)
    assert "已生成" in line(stdout, "s002"), stdout
    assert_same_as_a_full_build(repo, out, tmp_path)
    # and the caches are whole again
    with (folder / incremental.PAGES_FILE).open("rb") as f:
        assert pickle.load(f)[1]["pages"]


def test_a_content_error_fails_the_run_and_the_fix_is_built_like_a_full_build(cluster, tmp_path):
    repo, out = cluster
    doc = disclosure(repo, "s002", 3)
    good = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r"^title: .*\n", "", good, count=1, flags=re.M), encoding="utf-8")
    run = cluster_cmd(repo, out, "--workers", "2")
    assert run.returncode == 1
    assert doc.name in run.stderr and "title" in run.stderr
    doc.write_text(good + "\n改正后的一段。\n", encoding="utf-8")
    stdout = build(repo, out)
    assert "已生成" in line(stdout, "s002")
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_a_link_to_a_news_item_moved_to_another_column_fails_the_incremental_build(cluster, tmp_path):
    """The linking document is not read again (its check is kept); its link is checked again."""
    repo, out = cluster
    item = news(repo, "s002", 1)
    column = front(item, "column").strip("'\"")
    moved = "tzgg" if column != "tzgg" else "yw"
    text = news(repo, "s002", 2).read_text(encoding="utf-8")
    head = text[: text.index("\n---\n", 4) + 5]
    linking = item.parent / "link-to-news.md"

    def link(col: str) -> None:
        linking.write_text(re.sub(r"^title: .*$", "title: 一篇链接到另一条新闻的新闻", head, count=1, flags=re.M)
                           + f"详见[这条新闻](/s002/zwdt/{col}/{item.stem}.html)。\n", encoding="utf-8")

    link(column)
    assert "已生成" in line(build(repo, out), "s002")
    item.write_text(re.sub(r"^column: .*$", f"column: {moved}", item.read_text(encoding="utf-8"), count=1,
                           flags=re.M), encoding="utf-8")
    run = cluster_cmd(repo, out, "--workers", "2")
    assert run.returncode == 1
    assert "link-to-news.md" in run.stderr and f"网页地址是 /s002/zwdt/{moved}/{item.stem}.html" in run.stderr
    link(moved)
    assert "已生成" in line(build(repo, out), "s002")
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_the_countys_kept_manifest_entries_damaged_or_gone_are_derived_again(cluster, tmp_path):
    """The county keeps what it derived from each sub-site's manifest (documents, catalogue rows,
    xxgk.json lines) under the manifest's hash: a damaged file of it and a missing one are made
    again from the manifest, and the edit shows like in a full build."""
    repo, out = cluster
    kept = sorted((incremental.cache_dir(out, "county") / incremental.DERIVED_DIR).glob("*.pickle"))
    assert len(kept) == 2  # s001's and s002's manifests
    kept[0].write_bytes(b"not a pickle")
    kept[1].unlink()
    doc = disclosure(repo, "s002", 2)
    text = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r"^title: (.*)$", r"title: \1（再修订）", text, count=1, flags=re.M), encoding="utf-8")
    stdout = build(repo, out)
    assert "增量" in line(stdout, "county"), stdout
    assert any("（再修订）" in p.read_text(encoding="utf-8") for p in (out / "xxgk" / "ml").glob("index*.html"))
    assert "（再修订）" in (out / "data" / "xxgk.json").read_text(encoding="utf-8")
    assert_same_as_a_full_build(repo, out, tmp_path)
    assert len(list(kept[0].parent.glob("*.pickle"))) == 2


# A page whose writing waits until the test lets it (or breaks it): a named pipe in its place, of
# the smallest size, that the test holds open without reading (the build's write blocks once
# 4 KiB are in it, after the build's manifest: pages are written after it; closing it makes the
# write fail: a build that fails after its manifest was told)
def gate(out: Path, site: str, doc: Path) -> tuple[Path, int]:
    page = out / site / doc_url(out, site, doc)
    page.unlink()
    os.mkfifo(page)  # not a file: written again by an incremental build (PageDigests.unchanged)
    fd = os.open(page, os.O_RDONLY | os.O_NONBLOCK)
    fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 4096)
    return page, fd


def wait_at_page(fd: int, proc: subprocess.Popen[str] | None = None) -> None:
    """Until the build has opened the gated page and filled the pipe (it is blocked writing it):
    closing the read end then fails its write (before, the build would wait for a reader at
    ``open``, for ever)."""
    count = array.array("i", [0])
    deadline = time.monotonic() + 300
    while not count[0]:
        assert proc is None or proc.poll() is None, proc.communicate() if proc else ""
        assert time.monotonic() < deadline, "the build did not reach its page"
        time.sleep(0.05)
        fcntl.ioctl(fd, termios.FIONREAD, count)


def title_edit(repo: Path, site: str, n: int, mark: str) -> Path:
    doc = disclosure(repo, site, n)
    doc.write_text(re.sub(r"^title: (.*)$", rf"title: \1{mark}", doc.read_text(encoding="utf-8"), count=1,
                          flags=re.M), encoding="utf-8")
    return doc


def test_a_site_that_fails_after_its_manifest_was_told_is_listed_by_it_and_built_again(cluster, tmp_path):
    """s001 tells its manifest is final before it writes its pages: the county is built on it while
    s001 still writes; then s001 fails on a page. The county lists what the manifest says (the
    documents as read and checked), the run fails, s001 has no fingerprint and the cluster-wide
    lists stay as they were. The next run builds s001 again, leaves the county (the same
    manifest), puts the lists in place, and the output is a full build's."""
    repo, out = cluster
    doc = title_edit(repo, "s001", 2, "（三修）")
    page, held = gate(out, "s001", doc)
    cluster_ = runner.Cluster(out, repo=repo)
    steps: list[str] = []
    county_told = threading.Event()

    def trace(step: str) -> None:
        steps.append(step)
        if step == "manifest county":
            county_told.set()

    cluster_.trace = trace
    results: list[runner.Result] = []
    run = threading.Thread(target=lambda: results.extend(cluster_.build(workers=2)))
    run.start()
    try:
        assert county_told.wait(120), steps
        wait_at_page(held)
        assert "end s001" not in steps  # still at its page: the county did not wait for its pages
    finally:
        os.close(held)  # the page's write fails now
        run.join(300)
    page.unlink()
    # (the county's build started held with s001's, told to go on once planned)
    assert steps.index("manifest s001") < steps.index("planned county") < steps.index("go county")
    assert steps.index("manifest county") < steps.index("lists made")
    assert "lists" not in steps
    status = {r.site: r.status for r in results}
    assert status == {"s001": "failed", "s002": "skipped", "county": "built"}, results
    assert "BrokenPipeError" in next(r.log for r in results if r.site == "s001")
    assert not (out / "_cluster" / "s001.fingerprint").exists()
    assert catalogue_page_of(out, front(doc, "title"))  # the county lists the title s001's manifest says
    assert "（三修）" not in (out / lists.LIST_FILES[0]).read_text(encoding="utf-8")
    assert not list(out.rglob(f"*{lists.STAGED}"))
    stdout = build(repo, out)
    assert "已生成" in line(stdout, "s001") and "增量" not in line(stdout, "s001")  # every document again
    assert "跳过" in line(stdout, "county"), stdout  # what it lists of s001 is what it listed
    assert "（三修）" in (out / lists.LIST_FILES[0]).read_text(encoding="utf-8")
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_sigterm_while_the_county_builds_and_a_sub_site_writes_puts_no_list_in_place(cluster, tmp_path):
    """SIGTERM once the county's build has started while s002 still writes its pages: the run ends
    (130) with every build under way, s002 has no fingerprint, no list is put in place or left
    half-made, and the next run leaves what a full build leaves."""
    repo, out = cluster
    doc = title_edit(repo, "s002", 4, "（四修）")
    page, held = gate(out, "s002", doc)
    county_manifest = out / "_cluster" / "manifest.json"
    before = county_manifest.stat().st_ino
    proc = subprocess.Popen([sys.executable, "-m", "portal.cluster", "build", "--repo", str(repo),
                             "--output", str(out), "--workers", "2"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        # the county's build writes (told to go on: its manifest is written anew); s002 waits at its page
        while county_manifest.stat().st_ino == before:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the county's build did not start"
            time.sleep(0.05)
        wait_at_page(held, proc)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        os.close(held)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    page.unlink()
    assert proc.returncode == 130, stdout + stderr
    assert "生成被中断" in stderr
    assert not (out / "_cluster" / "s002.fingerprint").exists()
    assert "（四修）" not in (out / lists.LIST_FILES[0]).read_text(encoding="utf-8")
    assert not list(out.rglob(f"*{lists.STAGED}"))
    stdout = build(repo, out)
    assert "已生成" in line(stdout, "s002"), stdout
    assert "（四修）" in (out / lists.LIST_FILES[0]).read_text(encoding="utf-8")
    assert_same_as_a_full_build(repo, out, tmp_path)


def traced_run(repo: Path, out: Path) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """One run of the runner in this process: each site's (status, mode) and the steps traced."""
    cluster_ = runner.Cluster(out, repo=repo)
    steps: list[str] = []
    cluster_.trace = steps.append
    results = cluster_.build(workers=2)
    return {r.site: (r.status, r.mode) for r in results}, steps


def county_files(out: Path) -> dict[str, int]:
    """The county's own pages and manifest with their modification times."""
    files = [*out.glob("*.html"), *(out / "xxgk").rglob("*.html"), out / "_cluster" / "manifest.json"]
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in files}


def test_the_countys_build_starts_held_and_writes_once_told_to_go_on(cluster, tmp_path):
    """A title edit in s001: the county's incremental build is started with s001's, held (it reads
    its own documents meanwhile), and told to go on once s001's manifest is final and the county's
    plan is made; it then writes what a full build writes."""
    repo, out = cluster
    doc = title_edit(repo, "s001", 5, "（五修）")
    status, steps = traced_run(repo, out)
    assert status == {"s001": ("built", "incremental"), "s002": ("skipped", ""),
                      "county": ("built", "incremental")}, steps
    assert steps.count("start county") == 1
    assert (steps.index("manifest s001") < steps.index("planned county") < steps.index("go county")
            < steps.index("manifest county") < steps.index("lists made"))
    assert catalogue_page_of(out, front(doc, "title"))
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_a_held_county_build_that_is_not_needed_is_stopped_and_writes_nothing(cluster, tmp_path):
    """A body edit changes nothing the county lists: its held build is stopped before its first
    write. Its pages, manifest, fingerprint and search index are the last build's."""
    repo, out = cluster
    doc = disclosure(repo, "s001", 6)
    doc.write_text(doc.read_text(encoding="utf-8") + "\n补充说明：第六篇有更新。\n", encoding="utf-8")
    before = county_files(out)
    fingerprint_before = (out / "_cluster" / "county.fingerprint").read_text(encoding="ascii")
    status, steps = traced_run(repo, out)
    assert status["county"] == ("skipped", ""), steps
    assert status["s001"] == ("built", "incremental")
    assert "stop county" in steps and "go county" not in steps and "manifest county" not in steps
    assert county_files(out) == before
    assert (out / "_cluster" / "county.fingerprint").read_text(encoding="ascii") == fingerprint_before
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_a_news_edit_builds_its_site_without_starting_the_countys_build(cluster, tmp_path):
    """A news item's edit cannot change what the county lists (its 信息公开 documents): its
    build is not started held, and the run builds the edited site only."""
    repo, out = cluster
    item = news(repo, "s002", 1)
    item.write_text(item.read_text(encoding="utf-8") + "\n补充：新闻有更新。\n", encoding="utf-8")
    status, steps = traced_run(repo, out)
    assert status == {"s001": ("skipped", ""), "s002": ("built", "incremental"), "county": ("skipped", "")}
    assert "start county" not in steps and "planned county" in steps
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_a_held_county_build_whose_base_changed_meanwhile_is_stopped_and_built_anew(cluster, tmp_path, monkeypatch):
    """When the county's plan, made once the manifests are final, is not the one its held build
    started with (here: another base, as when a county template changes during the run), the held
    build is stopped and the county built as planned after it."""
    repo, out = cluster
    held_plan = runner.Cluster.held_plan

    def stale(self: runner.Cluster, force: bool = False) -> runner.Plan | None:
        plan = held_plan(self, force)
        assert plan is not None
        plan.base = "0" * 64
        return plan

    monkeypatch.setattr(runner.Cluster, "held_plan", stale)
    doc = title_edit(repo, "s002", 6, "（六修）")
    status, steps = traced_run(repo, out)
    assert status["county"] == ("built", "incremental"), steps
    assert steps.count("start county") == 2 and "stop county" in steps and "go county" not in steps
    assert steps.index("stop county") < steps.index("manifest county")
    assert catalogue_page_of(out, front(doc, "title"))
    assert_same_as_a_full_build(repo, out, tmp_path)


def test_a_held_build_whose_server_is_gone_ends_unwritten_with_a_message(cluster):
    """The fork server killed while the county's build is held: the build hears its word's pipe
    end, writes nothing and ends (status 1) with a Chinese message in its log; the runner's call
    returns."""
    repo, out = cluster
    cluster_ = runner.Cluster(out, repo=repo)
    held = cluster_.held_plan()
    assert held is not None
    before = county_files(out)
    builds = runner.Builds()
    log = out / runner.LOG_DIR / "held-test.log"
    run = {**held.overrides, "INCREMENTAL": cluster_.incremental("county", held.cache, True),
           "DELETE_OUTPUT_DIRECTORY": False}
    answer: list[tuple[int, float, float]] = []
    thread = threading.Thread(target=lambda: answer.append(
        builds.run(runner.cluster_settings.pelican_args(run), log, hold=runner.Hold())))
    thread.start()
    try:
        deadline = time.monotonic() + 120
        server = builds.proc
        while server is None or not forked_by(server.pid):  # the held build is started
            assert time.monotonic() < deadline and not answer, "the held build did not start"
            time.sleep(0.05)
            server = builds.proc
        child = forked_by(server.pid)[0]
        server.kill()
        thread.join(120)
        assert answer and answer[0][0] != 0
        while running(child):
            assert time.monotonic() < deadline, "the held build did not end"
            time.sleep(0.05)
    finally:
        builds.close()
    assert "生成程序已结束" in log.read_text(encoding="utf-8", errors="replace")
    assert county_files(out) == before
    log.unlink()


def running(pid: int) -> bool:
    """Whether a process that is not ours runs (reaped by init once ended, or a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def forked_by(pid: int) -> list[int]:
    """The processes a process has started (Linux)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []
