"""The synthetic content generator: valid, reproducible, realistic enough to benchmark with."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from harness import synth
from portal import check, schema
from portal.frontmatter import parse


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("synth") / "content"
    synth.generate(dest, 120, seed=7)
    return dest


def test_counts_add_up_and_cover_every_type():
    for n in (8, 50, 1000, 10000):
        counts = synth.counts_for(n)
        assert sum(counts.values()) == n
    assert all(v > 0 for v in synth.counts_for(1000).values())


def test_generated_tree_passes_the_checker(tree):
    report = check.run(tree)
    assert report.errors == []
    counts = synth.counts_for(120)
    # the checker also counts the types the generator does not write (participation, powers)
    assert {name: n for name, n in report.counts.items() if n} == counts


def test_same_seed_same_bytes_other_seed_other_text(tree, tmp_path):
    again = tmp_path / "again"
    synth.generate(again, 120, seed=7)
    assert tree_digest(again) == tree_digest(tree)
    other = tmp_path / "other"
    synth.generate(other, 120, seed=8)
    assert tree_digest(other) != tree_digest(tree)


def test_documents_look_like_the_demo_content(tree):
    docs = list(synth.iter_documents(tree))
    disclosure = [parse(p) for rel, p in docs if rel.startswith("xxgk/wj/")]
    assert disclosure
    for doc in disclosure:
        # 索引号 starts with the publisher's org code and carries the year of 发布日期
        assert doc.meta["index_no"].split("/")[1][:4] == str(doc.meta["date"])[:4]
        assert len(doc.body) > 800  # bodies of the size the baselines were measured with
        assert any("\u4e00" <= ch <= "\u9fff" for ch in doc.meta["title"])
    index_nos = [d.meta["index_no"] for d in disclosure]
    assert len(index_nos) == len(set(index_nos))


def test_plain_conversion_keeps_every_document_and_its_text(tree, tmp_path):
    n = synth.to_plain(tree, tmp_path / "plain")
    docs = dict(synth.iter_documents(tree))
    assert n == len(docs)
    rel, path = next((r, p) for r, p in docs.items() if r.startswith("bsfw/"))
    plain = (tmp_path / "plain" / rel).read_text(encoding="utf-8")
    doc = parse(path)
    assert plain.startswith(f"Title: {doc.meta['title']}\nDate: ")
    assert doc.body.strip() in plain
    # structured fields become a table the default theme shows
    assert doc.meta["materials"][0]["name"] in plain
    t = schema.doc_type_for(rel)
    assert f"Slug: {schema.url_for(t, rel, doc.meta)[:-5].replace('/', '-')}" in plain


def test_a_subsite_tree_links_its_own_pages_under_its_folder(tmp_path):
    """In a cluster a root link from a sub-site names the county's page (check.Site.route): the
    sub-site's links to its own documents carry its folder, and its tree passes the check there."""
    from harness.cluster_bench import make_repo

    make_repo(tmp_path, 2, 200)
    content = tmp_path / "sites" / "s001" / "content"
    bodies = "".join(p.read_text(encoding="utf-8") for p in (content / "zwdt").rglob("*.md"))
    assert "](/s001/xxgk/wj/" in bodies and "](/xxgk/wj/" not in bodies
    assert check.run(content).errors == []


def test_site_pairs_builds_one_site_with_each_checkout_in_turn(tmp_path, capsys):
    from harness import site_pairs
    from harness.cluster_bench import make_repo
    from portal.cluster import runner
    from portal.sites import REPO_ROOT

    make_repo(tmp_path / "repo", 2, 5)
    assert runner.Cluster(tmp_path / "output", repo=tmp_path / "repo").build(workers=1)
    assert site_pairs.main(["--dir", str(tmp_path), "--site", "s001", "--other", str(REPO_ROOT), "--pairs", "1"]) == 0
    out = capsys.readouterr().out
    assert "第 1 对 this：CPU" in out and "第 1 对 other：CPU" in out and "中位数" in out
    assert site_pairs.main(["--dir", str(tmp_path / "nowhere"), "--other", str(REPO_ROOT)]) == 1
