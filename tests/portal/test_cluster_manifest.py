"""The county reads its sub-sites' manifests once a build (``portal.cluster.manifest``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

from portal.cluster import incremental, manifest, progress


def entry(n: int, title: str = "") -> dict[str, object]:
    return {"type": "disclosure", "title": title or f"第{n}号文件", "url": f"s001/xxgk/wj/{n}.html",
            "index_no": f"000000000/2026-{n:05d}", "department": None, "date": f"2026-01-{n:02d}"}


def write(path: Path, entries: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "site": "s001", "documents": entries}, ensure_ascii=False),
                    encoding="utf-8")


def test_the_same_manifests_are_read_once_and_a_rewritten_one_again(tmp_path):
    path = tmp_path / "s001" / "_cluster" / "manifest.json"
    write(path, [entry(1), entry(2)])
    first = manifest.documents([str(path)], None)
    assert [d.title for d in first] == ["第2号文件", "第1号文件"]
    assert manifest.documents([str(path)], None) is first
    write(path, [entry(1), entry(2, "第2号文件（修订）")])
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # even within one clock tick
    again = manifest.documents([str(path)], None)
    assert [d.title for d in again] == ["第2号文件（修订）", "第1号文件"]
    assert manifest.documents([str(path)], None, doctype=None) is not again  # another question
    assert manifest.documents([str(path), str(tmp_path / "none.json")], None) is not again


def test_a_manifest_is_one_document_a_line_and_reads_back(tmp_path):
    class Article:
        def __init__(self, n: int) -> None:
            import datetime as dt

            self.doctype, self.title, self.url = "news", f"新闻{n}", f"zwdt/{n}.html"
            self.date = dt.datetime(2026, 1, n)

    path = tmp_path / "manifest.json"
    manifest.write(path, "s001", [Article(1), Article(2)], "s001/")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and lines[1].startswith('{"type":"news"')
    assert [e["title"] for e in manifest.read(path)["documents"]] == ["新闻1", "新闻2"]


def test_the_countys_build_reads_no_manifest_the_runner_hashed_until_it_is_written_again(tmp_path, monkeypatch):
    """One identity for a manifest: the runner's hashes (``Digests``, kept under the file's status)
    are what the county's build keeps its derived entries under; it reads a manifest only when
    they must be made again, and hashes it itself when the runner's file is damaged."""
    path = tmp_path / "s001" / "_cluster" / "manifest.json"
    write(path, [entry(1), entry(2)])
    store = tmp_path / "_cluster" / "manifests.json"
    cache = tmp_path / "cache"
    runner_side = manifest.Digests(store)
    runner_side.of(path)
    runner_side.save()

    def build() -> list[str]:
        manifest._READ.clear()  # a new build process
        derived = incremental.Derived(cache)
        docs = manifest.documents([str(path)], None, derived=derived, digests=manifest.Digests(store))
        derived.save()
        return [d.title for d in docs]

    assert build() == ["第2号文件", "第1号文件"]
    reads: list[Path] = []
    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real_read_bytes(self))
    assert build() == ["第2号文件", "第1号文件"] and reads == []
    write(path, [entry(1), entry(2, "第2号文件（修订）")])  # written again, the runner's hashes not saved
    assert build() == ["第2号文件（修订）", "第1号文件"] and path in reads
    store.write_text("[damaged", encoding="utf-8")
    write(path, [entry(1, "第1号文件（修订）"), entry(2, "第2号文件（修订）")])
    assert build() == ["第2号文件（修订）", "第1号文件（修订）"]


def test_the_plugin_writes_the_manifest_once_a_build_and_tells_the_runner(tmp_path, monkeypatch):
    """Written when the first writer is asked for (after every document is read), then told; the
    preview asks for a writer again at each step without reading again: nothing is rewritten."""
    from clustermanifest import clustermanifest  # plugins/ (tests/conftest.py)

    told: list[str] = []
    monkeypatch.setattr(progress, "tell", told.append)
    doc = SimpleNamespace(doctype="news", title="新闻", url="zwdt/a.html", date=None)
    pelican = SimpleNamespace(settings={"OUTPUT_PATH": str(tmp_path), "CLUSTER": {"site": "s001", "prefix": "s001/"}})
    clustermanifest.collect([SimpleNamespace(articles=[doc])])
    assert clustermanifest.write_manifest(pelican) is None  # Pelican's writer stays the one used
    path = tmp_path / "_cluster" / "manifest.json"
    assert [e["url"] for e in manifest.read(path)["documents"]] == ["s001/zwdt/a.html"]
    assert told == [progress.MANIFEST]
    written = path.stat()
    clustermanifest.write_manifest(pelican)  # a preview step
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert told == [progress.MANIFEST]
    clustermanifest.collect([SimpleNamespace(articles=[])])  # the next build
    clustermanifest.write_manifest(pelican)
    assert manifest.read(path)["documents"] == [] and told == [progress.MANIFEST] * 2


def test_telling_without_a_runner_does_nothing_and_a_runner_gone_fails_no_build(monkeypatch):
    progress.tell(progress.MANIFEST)  # python -m pelican, the preview: no pipe
    read, write = os.pipe()
    monkeypatch.setattr(progress, "_FD", write)
    progress.tell(progress.MANIFEST)
    assert os.read(read, 100) == b"manifest\n"
    os.close(read)  # the server is gone
    progress.tell(progress.MANIFEST)
    os.close(write)


def test_the_countys_xxgk_lines_show_what_its_kept_documents_leave_out(tmp_path, monkeypatch):
    """The county keeps its sub-sites' documents without what only data/xxgk.json shows (summary,
    keywords, attachments); their lines are made from the manifest read again, kept in a file of
    their own and handed back mapped, and made again when the manifest or the registry changed."""
    from exports import exports  # plugins/ (tests/conftest.py)

    class Registry(dict):
        """What the build asks of the departments registry: its departments, one by its code."""

        def __init__(self, *depts: SimpleNamespace) -> None:
            super().__init__((d.code, d) for d in depts)

        def __iter__(self):  # type: ignore[override]
            return iter(self.values())

    path = tmp_path / "s001" / "_cluster" / "manifest.json"
    full = {**entry(1), "department": "cgz", "summary": "摘要一", "keywords": ["教育"],
            "attachments": [{"title": "附件", "file": "s001/files/a.pdf"}]}
    write(path, [full, entry(2)])
    cache = tmp_path / "cache"

    def build(registry: object) -> tuple[list[dict[str, object]], list[object]]:
        manifest._READ.clear()  # a new build process
        derived = incremental.Derived(cache)
        monkeypatch.setattr(incremental.ACTIVE, "derived", derived)
        monkeypatch.setattr(incremental.ACTIVE, "manifests", None)
        gen = exports.ExportsGenerator({"articles": [], "departments": registry},
                                       {"CLUSTER": {"manifests": [str(path)]}}, "", "", str(tmp_path / "out"))
        docs = gen._by_type("disclosure")
        lines = [json.loads(bytes(line)) for line in gen._disclosure_lines(docs, "https://x")]
        derived.save()
        return lines, docs

    registry = Registry(SimpleNamespace(code="cgz", name="城关镇"))
    lines, docs = build(registry)
    assert [d.summary for d in docs] == ["", ""] and not any(d.keywords or d.attachments for d in docs)
    first = lines[1]
    assert (first["summary"], first["keywords"], first["publisher"]) == ("摘要一", ["教育"], {"code": "cgz", "name": "城关镇"})
    assert first["attachments"] == [{"title": "附件", "url": "https://x/s001/files/a.pdf"}]
    assert len(list((cache / incremental.DERIVED_DIR).glob("*.lines"))) == 1
    reads: list[Path] = []
    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real_read_bytes(self))
    assert build(registry)[0] == lines and reads == []  # mapped from the kept file, no manifest read
    renamed = Registry(SimpleNamespace(code="cgz", name="城关镇人民政府"))
    assert build(renamed)[0][1]["publisher"] == {"code": "cgz", "name": "城关镇人民政府"}
    write(path, [{**full, "summary": "摘要二"}, entry(2)])
    assert build(renamed)[0][1]["summary"] == "摘要二"
