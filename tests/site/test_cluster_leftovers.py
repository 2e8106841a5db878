"""A full build without ``--publish`` leaves what a fresh build writes (``portal.cluster.leftovers``):
a removed attachment, and what builds before ``county_sections`` left in a sub-site (``bsfw/``,
``hd/``, ``robots.txt``), are deleted; the runner's folders, the search index, the preview's
output, what an operator put in ``.well-known/`` and the cluster-wide lists are kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cluster_bench import make_repo
from portal.cluster import leftovers
from tests.site.test_cluster_build import cluster_cmd

DOCS = 10
# what builds of older code left (unlinked; a fresh build writes none of them)
STALE = ("s001/bsfw/index.html", "s001/bsfw/zn/old.html", "s001/hd/index.html", "s001/robots.txt",
         "old/page.html")
# what no build of a site deletes
KEPT = (".well-known/security.txt", "_preview/s001/index.html")


def files(root: Path) -> set[str]:
    """The published files (the runner's folder and the search index's versions left out)."""
    return {rel for p in root.rglob("*")
            if p.is_file() and not (rel := p.relative_to(root).as_posix()).startswith(("_cluster/", "_search/"))}


def build(repo: Path, out: Path, *extra: str) -> str:
    run = cluster_cmd(repo, out, "--workers", "2", *extra)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The county and one sub-site, built fresh with an extra attachment in the sub-site."""
    root = tmp_path_factory.mktemp("leftovers")
    repo, out = root / "repo", root / "out"
    make_repo(repo, 2, DOCS)
    extra = repo / "sites" / "s001" / "content" / "files" / "xxgk" / "extra.pdf"
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    build(repo, out)
    return repo, out, extra


def test_a_removed_attachment_and_older_builds_pages_are_gone_after_a_full_build(cluster):
    repo, out, extra = cluster
    published = out / "s001" / extra.relative_to(repo / "sites" / "s001" / "content")
    assert published.is_file()
    fresh = files(out)
    for rel in STALE + KEPT:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("<html>旧</html>", encoding="utf-8")
    extra.unlink()
    stdout = build(repo, out)
    assert "s001: 已生成" in stdout and "增量" not in stdout  # an attachment is in the base: full
    assert not published.exists()
    assert not (out / "s001" / "bsfw").exists() and not (out / "s001" / "hd").exists()
    assert not (out / "s001" / "robots.txt").exists()
    assert (out / "old" / "page.html").is_file()  # the county was not built: its folder untouched
    build(repo, out, "--force")
    assert not (out / "old").exists()
    for rel in KEPT:
        assert (out / rel).is_file(), rel
    assert sorted(files(out) - fresh - set(KEPT)) == []  # nothing a fresh build does not write
    gone = sorted(fresh - files(out))
    assert gone == [published.relative_to(out).as_posix()]


def test_a_folder_no_build_made_is_never_pruned(tmp_path):
    """``--output`` naming a folder of something else: without a manifest of an earlier build of
    the site, nothing in it is noted, so nothing is deleted."""
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert leftovers.note(tmp_path, frozenset(), {}) is None
