"""The runner's own work around the site builds, without building a site: the walk behind the
fingerprints, the manifests' hashes kept between runs, the cluster-wide lists left alone when
nothing they are made of changed, and the sites sent to a full build when a file they may link to
is gone from another site (``portal.cluster.crosslinks``). The builds themselves:
tests/site/test_cluster_build.py and tests/site/test_cluster_incremental.py."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

import pytest

from portal import sites as cluster_sites
from portal.cluster import crosslinks, fingerprint, lists, manifest, runner
from portal.cluster import settings as cluster_settings

from .util import DATA_SITE

REPO = cluster_sites.REPO_ROOT


def walked_before(root: Path, content_dir: Path) -> tuple[bytes, bytes]:
    """What the fingerprint hashed before its walk was rewritten (os.walk, relpath a file)."""
    base, docs = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in fingerprint.SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith((".pyc", "~")) or name.startswith(".#"):
                continue
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            line = f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n"
            (docs if fingerprint.is_document(path, content_dir) else base).append(line)
    return "".join(base).encode(), "".join(docs).encode()


def test_the_walk_hashes_what_it_hashed_before_so_stored_fingerprints_still_match(tmp_path, monkeypatch):
    site = tmp_path / "site"
    shutil.copytree(REPO / "sites" / "cgz", site)
    content = site / "content"
    for rel in ("xxgk/wj/b.md", "files/notes.md", ".hidden/a.md", "__pycache__/x.pyc", "y.pyc", "z.md~",
                ".#lock.md", ".keep", "deep/er/still/c.md", "a b/空格 文件.md"):
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel, encoding="utf-8")
    (content / "linked").symlink_to(content / "xxgk", target_is_directory=True)  # not followed
    (content / "broken.md").symlink_to(content / "nosuch.md")  # no status: left out
    assert fingerprint._tree_parts(site, content) == walked_before(site, content)
    # the same from a path that names the content folder another way (a relative root)
    monkeypatch.chdir(tmp_path)
    assert fingerprint._tree_parts(Path("site"), content) == walked_before(Path("site"), content)
    assert sorted(fingerprint.documents(content)) == sorted(
        str(p) for p in content.rglob("*.md") if ".hidden" not in p.parts and p.parts[-2] != "files"
        and not p.name.startswith(".#") and not p.is_symlink() and "linked" not in p.parts)


def write_manifest(path: Path, site: str, news_title: str, doc_title: str) -> None:
    manifest.write(path, site, [], "")  # the folder and the format, then the entries by hand
    path.write_text(json.dumps({"version": 1, "site": site, "documents": [
        {"type": "news", "title": news_title, "url": f"{site}/zwdt/a.html"},
        {"type": manifest.LISTED, "title": doc_title, "url": f"{site}/xxgk/wj/b.html"}]},
        ensure_ascii=False), encoding="utf-8")


def test_a_manifests_hashes_are_kept_until_its_site_writes_it_again(tmp_path, monkeypatch):
    path = tmp_path / "s001" / "_cluster" / "manifest.json"
    write_manifest(path, "s001", "新闻", "文件")
    store = tmp_path / "_cluster" / "manifests.json"
    digests = manifest.Digests(store)
    full, listed = digests.of(path)
    assert full == hashlib.sha256(path.read_bytes()).hexdigest()
    assert digests.listed(path) == hashlib.sha256(manifest.listed(path)).digest()  # as the fingerprint hashed it
    digests.save()
    reads = []
    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real_read_bytes(self))
    again = manifest.Digests(store)
    assert again.of(path) == (full, listed) and reads == []  # the next run reads no manifest
    write_manifest(path, "s001", "新闻（改）", "文件")  # the site was built again: a new file
    changed = again.of(path)
    assert reads == [path]
    assert changed[0] != full and changed[1] == listed  # a news title: the county is not concerned
    write_manifest(path, "s001", "新闻（改）", "文件（改）")
    assert again.of(path)[1] != listed
    path.write_text("{not json", encoding="utf-8")  # damaged: a hash of its own, not an exception
    assert again.of(path)[1] not in (listed, changed[1])
    path.unlink()
    assert again.of(path) == ("", hashlib.sha256(manifest.listed(path)).hexdigest())
    store.write_text("[damaged", encoding="utf-8")
    assert manifest.Digests(store).of(tmp_path / "nosuch" / "manifest.json")[0] == ""


SITES = [{"id": "county", "name": "示范县", "kind": "门户网站", "url": "/"},
         {"id": "s001", "name": "一号", "kind": "部门网站", "url": "/s001/"}]


def test_the_lists_are_written_again_only_when_what_they_are_made_of_changed(tmp_path):
    out = tmp_path / "out"
    county = out / cluster_settings.MANIFEST
    sub = out / "s001" / cluster_settings.MANIFEST
    write_manifest(county, "county", "县新闻", "县文件")
    write_manifest(sub, "s001", "新闻", "文件")
    digests = manifest.Digests(out / runner.MANIFEST_DIGESTS)

    def update(sites: list[dict[str, str]] = SITES, title: str = "示范县") -> bool:
        return lists.update(out, sites, "https://x.gov.cn", title, digests)

    assert update() and lists.present(out)
    data = out / lists.LIST_FILES[0]
    made = data.stat().st_mtime_ns
    write_manifest(sub, "s001", "新闻", "文件")  # the site built again, the same manifest
    assert not update()
    assert data.stat().st_mtime_ns == made
    write_manifest(sub, "s001", "新闻（改）", "文件")  # any entry: the lists show news too
    assert update()
    assert "新闻（改）" in data.read_text(encoding="utf-8")
    assert not update()
    (out / lists.SITEMAP_INDEX).unlink()
    assert update() and lists.present(out)
    assert update(title="示范县人民政府")  # what every list names
    assert update(SITES[:1])  # a site gone from the cluster
    assert "s001" not in data.read_text(encoding="utf-8")
    (out / lists.DIGEST).write_text("damaged", encoding="ascii")
    assert update()


def test_lists_made_beside_their_places_change_nothing_until_put_in_place(tmp_path):
    """The runner makes the lists while the last builds run and puts them in place only once every
    build has ended well: until then, and when thrown away, the lists served are the last ones."""
    out = tmp_path / "out"
    sub = out / "s001" / cluster_settings.MANIFEST
    write_manifest(out / cluster_settings.MANIFEST, "county", "县新闻", "县文件")
    write_manifest(sub, "s001", "新闻", "文件")
    digests = manifest.Digests(out / runner.MANIFEST_DIGESTS)

    def stage() -> lists.Staged | None:
        return lists.stage(out, SITES, "https://x.gov.cn", "示范县", digests)

    def served() -> dict[str, bytes]:
        return {name: (out / name).read_bytes() for name in lists.LIST_FILES}

    first = stage()
    assert first is not None and not lists.present(out)
    first.commit()
    before, stamp = served(), (out / lists.DIGEST).read_text(encoding="ascii")
    assert stage() is None  # made of the same manifests
    write_manifest(sub, "s001", "新闻（改）", "文件")
    thrown = stage()
    assert thrown is not None
    assert sorted(p.name for p in out.rglob(f"*{lists.STAGED}")) == [
        f"cluster.atom.xml{lists.STAGED}", f"cluster.json{lists.STAGED}", f"{lists.SITEMAP_INDEX}{lists.STAGED}"]
    assert served() == before
    thrown.discard()
    assert served() == before and not list(out.rglob(f"*{lists.STAGED}"))
    assert (out / lists.DIGEST).read_text(encoding="ascii") == stamp  # still what is served
    again = stage()  # the next run: the change is still to be listed
    assert again is not None
    again.commit()
    assert "新闻（改）" in (out / lists.LIST_FILES[0]).read_text(encoding="utf-8")
    assert not list(out.rglob(f"*{lists.STAGED}")) and stage() is None


@pytest.fixture
def cluster_repo(tmp_path: Path) -> Path:
    """A county (the test tree) and three demo sub-sites; rsj links to a cgz document."""
    root = tmp_path / "repo"
    shutil.copytree(DATA_SITE, root / "content")
    shutil.copy(REPO / "content" / "departments.yml", root / "content" / "departments.yml")
    for site_id in ("cgz", "rsj", "hxz"):
        shutil.copytree(REPO / "sites" / site_id, root / "sites" / site_id)
    doc = sorted((root / "sites" / "rsj" / "content" / "zwdt").rglob("*.md"))[0]
    doc.write_text(doc.read_text(encoding="utf-8")
                   + "\n详见[城关镇方案](/cgz/xxgk/wj/cgz-2026-101.html)。\n", encoding="utf-8")
    return root


def as_built(cluster: runner.Cluster, out: Path, indexed: bool = False) -> None:
    """What a good build of every site leaves for the runner (its fingerprints, its file names;
    ``indexed``: the index of its links into other sites too, as a build since it was made)."""
    for site_id in cluster.ids:
        plan = cluster.plan(site_id, force=True)
        assert plan is not None
        site_out = cluster_settings.site_output(out, site_id)
        site_out.mkdir(parents=True, exist_ok=True)
        (site_out / "index.html").write_text("x", encoding="utf-8")
        fingerprint.store(out, site_id, plan.fingerprint, plan.base)
        crosslinks.store(out, site_id, plan.names)
        if indexed:
            crosslinks.store_links(out, site_id, crosslinks.checked(cluster.content_dir(site_id)))


def plans(cluster: runner.Cluster) -> dict[str, runner.Plan | None]:
    return {s.id: cluster.plan(s.id) for s in cluster.sites}


def test_a_file_gone_from_a_site_sends_the_sites_linking_to_it_to_a_full_build(cluster_repo, tmp_path):
    out = tmp_path / "out"
    cluster = runner.Cluster(out, repo=cluster_repo)
    as_built(cluster, out)
    assert plans(cluster) == {"cgz": None, "rsj": None, "hxz": None}
    cgz = cluster_repo / "sites" / "cgz" / "content"
    (cgz / "xxgk" / "wj" / "2026" / "cgz-2026-300.md").write_text("新文件", encoding="utf-8")
    planned = plans(cluster)
    assert planned["cgz"] is not None and cluster.recheck_links(planned) == set()  # a new file breaks no link
    (cgz / "xxgk" / "wj" / "2026" / "cgz-2026-101.md").rename(cgz / "xxgk" / "wj" / "2026" / "cgz-2026-111.md")
    planned = plans(cluster)
    assert planned["rsj"] is None  # its own files did not change
    assert cluster.recheck_links(planned) == {"rsj"}
    rsj = planned["rsj"]
    assert rsj is not None and not rsj.partial  # every document checked again
    assert planned["hxz"] is None
    assert fingerprint.stored_base(out, "rsj") is None  # an interrupted run leaves it to the next
    assert fingerprint.stored_base(out, "county") is not None  # the county does not link to it


def test_a_file_gone_from_the_county_or_a_removed_site_reaches_the_sub_sites(cluster_repo, tmp_path):
    out = tmp_path / "out"
    hxz = sorted((cluster_repo / "sites" / "hxz" / "content" / "zwdt").rglob("*.md"))[0]
    county_doc = sorted((cluster_repo / "content" / "zwdt").rglob("*.md"))[0]
    hxz.write_text(hxz.read_text(encoding="utf-8") + f"\n见[县里的](/zwdt/{county_doc.stem}.html)。\n",
                   encoding="utf-8")
    cgz_doc = sorted((cluster_repo / "sites" / "cgz" / "content" / "zwdt").rglob("*.md"))[0]
    cgz_doc.write_text(cgz_doc.read_text(encoding="utf-8") + "\n见[人社局](/rsj/)。\n", encoding="utf-8")
    cluster = runner.Cluster(out, repo=cluster_repo)
    as_built(cluster, out)
    county_doc.unlink()
    planned = plans(cluster)
    assert cluster.recheck_links(planned) == {"hxz"}  # planned before the county is
    assert planned["hxz"] is not None and not planned["hxz"].partial
    as_built(cluster, out)
    shutil.rmtree(cluster_repo / "sites" / "rsj")
    cluster = runner.Cluster(out, repo=cluster_repo)
    planned = plans(cluster)
    assert cluster.recheck_links(planned) == {"cgz"}
    assert crosslinks.stored(out, "rsj") is None  # dealt with once
    assert cluster.recheck_links(plans(cluster)) == set()


LINKS = """
[甲](/cgz/xxgk/wj/cgz-2026-101.html)、[乙](https://www.shifan.gov.cn/cgz/zwdt/xzdt/cgz-shequ-shitang.html?a=1#b)、
[丙](/cgz/zwdt/xzdt/cgz%2Ddongji%2Danquan.html)、[附件](/cgz/files/xxgk/2026/cgz-2026-101-fj1.pdf)、
<a href="/rsj/xxgk/wj/rsj-2026-101.html">丁</a>、[戊][r]、[己](../../rsj/zwdt/bmdt/rsj-jineng-peixun.html)、
[庚](/cgz/zwdt/)、[辛](/cgz/)、[壬](/jg/cgz.html)、[癸](/zwdt/yw/2024-gzhy.html)、[自己](/hxz/xxgk/wj/hxz-2026-101.html)
<!-- [注释里的](/rsj/xxgk/wj/rsj-2026-102.html) -->

[r]: /rsj/zwdt/tzgg/rsj-nongmingong-gongzi.html
"""


def test_a_sites_index_holds_the_file_behind_every_link_into_another_site_however_written(cluster_repo):
    hxz = cluster_repo / "sites" / "hxz" / "content"
    doc = hxz / "zwdt" / "hxz-shuiku-xunjian.md"
    doc.write_text(doc.read_text(encoding="utf-8") + LINKS, encoding="utf-8")
    assert crosslinks.checked(hxz) == {
        ("cgz", "xxgk/wj/2026/cgz-2026-101.md"),  # absolute
        ("cgz", "zwdt/cgz-shequ-shitang.md"),  # the portal's own address, a query and a fragment
        ("cgz", "zwdt/cgz-dongji-anquan.md"),  # percent-encoded
        ("cgz", "files/xxgk/2026/cgz-2026-101-fj1.pdf"),  # an attachment
        ("rsj", "xxgk/wj/2026/rsj-2026-101.md"),  # HTML
        ("rsj", "zwdt/rsj-nongmingong-gongzi.md"),  # a reference definition
        ("rsj", "zwdt/rsj-jineng-peixun.md"),  # relative to the page (/hxz/zwdt/xzdt/…)
        ("cgz", ""),  # its home page: made from no file, gone only with the site
        ("county", ""),  # a department's page of the county
        ("county", "zwdt/2024-gzhy.md"),  # a sub-site's root link is the county's
    }  # not: another site's list page (not checked), its own pages, a link in a comment
    (cluster_repo / "content" / "zwdt" / "2024-gzhy.md").unlink()
    assert ("county", "zwdt/2024-gzhy.md") not in crosslinks.checked(hxz)  # only what resolves


def test_with_an_index_a_gone_file_sends_only_the_sites_that_link_to_it(cluster_repo, tmp_path):
    out = tmp_path / "out"
    hxz = sorted((cluster_repo / "sites" / "hxz" / "content" / "zwdt").rglob("*.md"))[0]
    # the stem in a text, not a link: the index tells them apart (a search for the stem cannot)
    hxz.write_text(hxz.read_text(encoding="utf-8") + "\n参见 cgz-2026-101 号文件。\n", encoding="utf-8")
    cgz_doc = sorted((cluster_repo / "sites" / "cgz" / "content" / "zwdt").rglob("*.md"))[0]
    cgz_doc.write_text(cgz_doc.read_text(encoding="utf-8") + "\n见[县里的](/zwdt/yw/2024-gzhy.html)。\n",
                       encoding="utf-8")
    cluster = runner.Cluster(out, repo=cluster_repo)
    as_built(cluster, out, indexed=True)
    assert crosslinks.links(out, "rsj") == {("cgz", "xxgk/wj/2026/cgz-2026-101.md")}
    cgz = cluster_repo / "sites" / "cgz" / "content"
    (cgz / "xxgk" / "wj" / "2026" / "cgz-2026-101.md").rename(cgz / "xxgk" / "wj" / "2026" / "cgz-2026-111.md")
    planned = plans(cluster)
    assert cluster.recheck_links(planned) == {"rsj"}
    assert planned["rsj"] is not None and not planned["rsj"].partial and planned["hxz"] is None
    as_built(cluster, out, indexed=True)
    (cluster_repo / "content" / "zwdt" / "2024-gzhy.md").unlink()  # the county's, linked from cgz
    assert cluster.recheck_links(plans(cluster)) == {"cgz"}
    as_built(cluster, out, indexed=True)
    shutil.rmtree(cluster_repo / "sites" / "rsj")  # a site nobody links to: nobody is sent
    cluster = runner.Cluster(out, repo=cluster_repo)
    assert cluster.recheck_links(plans(cluster)) == set()
    assert crosslinks.stored(out, "rsj") is None and crosslinks.links(out, "rsj") is None


def test_a_removed_site_sends_every_site_linking_to_any_of_its_pages(cluster_repo, tmp_path):
    out = tmp_path / "out"
    cgz_doc = sorted((cluster_repo / "sites" / "cgz" / "content" / "zwdt").rglob("*.md"))[0]
    cgz_doc.write_text(cgz_doc.read_text(encoding="utf-8") + "\n见[人社局](/rsj/)。\n", encoding="utf-8")
    cluster = runner.Cluster(out, repo=cluster_repo)
    as_built(cluster, out, indexed=True)
    assert crosslinks.links(out, "cgz") == {("rsj", "")}
    shutil.rmtree(cluster_repo / "sites" / "rsj")
    cluster = runner.Cluster(out, repo=cluster_repo)
    assert cluster.recheck_links(plans(cluster)) == {"cgz"}
    assert cluster.recheck_links(plans(cluster)) == set()  # dealt with once


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_site_without_a_readable_index_is_searched_as_before_one(cluster_repo, tmp_path, damage):
    out = tmp_path / "out"
    hxz = sorted((cluster_repo / "sites" / "hxz" / "content" / "zwdt").rglob("*.md"))[0]
    hxz.write_text(hxz.read_text(encoding="utf-8") + "\n参见 cgz-2026-101 号文件。\n", encoding="utf-8")
    cluster = runner.Cluster(out, repo=cluster_repo)
    as_built(cluster, out, indexed=True)
    index = out / fingerprint.STORE / "hxz.links"
    if damage == "missing":
        index.unlink()
    else:
        index.write_text("[[\"cgz\"", encoding="utf-8")
    cgz = cluster_repo / "sites" / "cgz" / "content"
    (cgz / "xxgk" / "wj" / "2026" / "cgz-2026-101.md").unlink()
    # rsj by its index; hxz, without one, by the stem in its documents (a candidate: rebuilt)
    assert cluster.recheck_links(plans(cluster)) == {"rsj", "hxz"}


def test_the_stem_of_a_gone_file_is_looked_for_as_written_and_percent_encoded():
    assert crosslinks.needles(["xxgk/wj/2026/a-1.md", "files/通知.pdf"]) == {
        b"a-1", "通知".encode(), b"%E9%80%9A%E7%9F%A5"}


def test_a_server_started_for_a_run_that_then_builds_nothing_is_ended_not_awaited():
    builds = runner.Builds()
    builds.start()  # as Cluster.build does while it plans
    builds.close()
    assert builds.proc is not None
    # ended by the signal in its imports (or in its loop), not after a clean end of them
    assert builds.proc.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert builds.server_cpu > 0  # what it cost is still counted


def test_the_search_for_a_gone_file_finds_the_same_sites_with_grep_and_without(cluster_repo, monkeypatch):
    trees = {"county": cluster_repo / "content",
             **{p.name: p / "content" for p in (cluster_repo / "sites").iterdir()}}
    (cluster_repo / "sites" / "hxz" / "content" / "zwdt" / "链接.md").write_text(
        f"见[附件](/cgz/files/{quote('甲乙丙附件')}.pdf)", encoding="utf-8")
    found = crosslinks.needles(["xxgk/wj/2026/cgz-2026-101.md", "files/甲乙丙附件.pdf"])
    with_grep = crosslinks.linking(trees, found)
    assert {"rsj", "hxz"} <= with_grep  # (and cgz, whose own documents name its file)
    monkeypatch.setattr(crosslinks.subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(OSError("no grep")))
    assert crosslinks.linking(trees, found) == with_grep
    assert crosslinks.linking(trees, {b"nowhere-at-all"}) == set()


def old_items(out: Path, ids: list[str], origin: str) -> str:
    """data/cluster.json's items as lists.write wrote them before it kept each site's rows."""
    docs = []
    for site_id in ids:
        docs.extend({**e, "site": site_id} for e in manifest.read(out / site_id / "m.json")["documents"])
    docs.sort(key=lambda e: e.get("date") or "", reverse=True)
    return json.dumps([{**{k: v for k, v in e.items() if v not in (None, "", [])}, "url": f"{origin}/{e['url']}"}
                       for e in docs], ensure_ascii=False, separators=(",", ":"))


def test_the_lists_kept_rows_write_what_one_sort_of_every_document_wrote(tmp_path, monkeypatch):
    monkeypatch.setattr(lists, "MANIFEST", "m.json")
    out = tmp_path / "out"
    dates = ["2026-01-02T08:00:00", "2026-01-01", None, "2026-01-02T08:00:00", ""]
    sites = [{"id": i, "name": f"网站{i}", "kind": "部门网站", "url": f"/{i}/"} for i in ("county", "a", "b")]
    monkeypatch.setattr(lists, "site_output", lambda root, site_id: Path(root) / site_id)
    for n, s in enumerate(sites):
        docs = [{"type": "news" if k % 2 else manifest.LISTED, "title": f"{s['id']}标题{k}<&>",
                 "url": f"{s['id']}/x/{k}.html", "date": dates[(k + n) % len(dates)], "summary": "",
                 "keywords": [] if k % 3 else ["词"], "attachments": [{"title": "附件", "file": "f.pdf"}]}
                for k in range(12)]
        manifest.write_atomic(out / s["id"] / "m.json", json.dumps({"version": 1, "site": s["id"], "documents": docs}))
    digests = manifest.Digests(out / runner.MANIFEST_DIGESTS)
    for use in (None, digests, digests):  # no rows kept; rows made and kept; rows read back
        assert lists.write(out, sites, "https://x.gov.cn/", "示范县", use) == 36
        text = (out / lists.LIST_FILES[0]).read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        assert json.dumps(data["items"], ensure_ascii=False, separators=(",", ":")) == old_items(
            out, ["county", "a", "b"], "https://x.gov.cn")
        feed = (out / lists.LIST_FILES[1]).read_text(encoding="utf-8")
        assert feed.count("<entry>") == 36 and "county标题0&lt;&amp;&gt;" in feed
        titles = re.findall(r"<entry><title>([^<]*)</title>", feed)
        assert titles == [escape(i["title"]) for i in json.loads(old_items(out, ["county", "a", "b"], ""))]
    assert sorted(p.name for p in (out / lists.ROWS).iterdir()) == ["a.pickle", "b.pickle", "county.pickle"]
    write_manifest(out / "a" / "m.json", "a", "新闻（改）", "文件")  # one site's rows made again
    lists.write(out, sites, "https://x.gov.cn", "示范县", digests)
    items = json.loads((out / lists.LIST_FILES[0]).read_text(encoding="utf-8"))["items"]
    assert json.dumps(items, ensure_ascii=False, separators=(",", ":")) == old_items(
        out, ["county", "a", "b"], "https://x.gov.cn")
    assert [i["title"] for i in items if i["site"] == "a"] == ["新闻（改）", "文件"]
    (out / lists.ROWS / "a.pickle").write_bytes(b"damaged")
    assert lists.write(out, sites, "https://x.gov.cn", "示范县", digests) == 26
