"""The county reads its sub-sites' manifests once a build (``portal.cluster.manifest``)."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

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


def test_a_file_written_in_steps_replaces_the_old_one_only_when_whole(tmp_path):
    path = tmp_path / "data" / "xxgk.json"
    manifest.write_atomic(path, "旧的")
    with pytest.raises(OSError), manifest.replacing(path) as f:
        f.write("新的一半".encode())
        raise OSError("disk full")
    assert path.read_text(encoding="utf-8") == "旧的"
    assert [p.name for p in path.parent.iterdir()] == ["xxgk.json"]  # no temporary file left
    with manifest.replacing(path) as f:
        f.write(b"new ")
        assert path.read_text(encoding="utf-8") == "旧的"  # a reader meanwhile sees the old file
        f.write(b"whole")
    assert path.read_bytes() == b"new whole"


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


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A build started held: the write end of its word's pipe (``progress.attach``)."""
    hear, say = os.pipe()
    monkeypatch.setattr(progress, "_WORD", hear)
    monkeypatch.setattr(progress, "_MEANWHILE", [])
    yield say
    with contextlib.suppress(OSError):
        os.close(say)


def test_a_build_not_held_waits_for_nothing_and_does_no_work_meanwhile(monkeypatch):
    monkeypatch.setattr(progress, "_WORD", None)
    steps: list[int] = []
    assert not progress.held()
    progress.meanwhile(steps.append(n) or n for n in range(3))
    progress.wait_for_word()
    assert steps == []


def test_a_held_build_works_meanwhile_until_its_word_comes_then_goes_on(held):
    """Its steps run one at a time while no word is there; the word, once there, stops them."""
    steps: list[int] = []

    def work() -> Iterator[int]:
        for n in range(4):
            steps.append(n)
            if n == 1:
                os.write(held, b"go\n")  # the runner's word comes during the second step
            yield n

    assert progress.held()
    progress.meanwhile(work())
    progress.wait_for_word()
    assert steps == [0, 1]
    assert not progress.held()
    progress.wait_for_word()  # heard: not waited for again


def test_a_held_build_does_all_its_work_then_waits_for_its_word(held):
    steps: list[int] = []

    def work() -> Iterator[int]:
        for n in range(3):
            steps.append(n)
            yield n
        # every step done and no word yet: it comes later, from another thread
        threading.Thread(target=os.write, args=(held, b"go\n")).start()

    progress.meanwhile(work())
    progress.wait_for_word()
    assert steps == [0, 1, 2]


def test_a_held_build_told_to_stop_ends_with_status_0(held):
    os.write(held, b"stop\n")
    with pytest.raises(SystemExit) as ended:
        progress.wait_for_word()
    assert ended.value.code == 0


def test_a_held_build_whose_word_never_comes_ends_with_a_message(held):
    os.close(held)  # the server gone
    with pytest.raises(SystemExit) as ended:
        progress.wait_for_word()
    assert "生成程序已结束" in str(ended.value.code)


def test_values_preloaded_for_a_held_build_are_still_checked_against_their_keys(tmp_path):
    """``Derived.preloading`` reads each source's kept values a step at a time; ``get`` still
    makes a value again when its key changed (the manifest rewritten since), and a full build
    preloads nothing."""
    cache = tmp_path / "cache"
    first = incremental.Derived(cache)
    assert first.get("titles", "a.json", "v1", lambda: ["甲"]) == ["甲"]
    assert first.get("titles", "b.json", "v1", lambda: ["乙"]) == ["乙"]
    first.save()
    again = incremental.Derived(cache)
    assert list(again.preloading(["a.json", "b.json", "c.json"])) == ["a.json", "b.json", "c.json"]
    assert set(again.values) == {"a.json", "b.json", "c.json"}
    assert again.get("titles", "a.json", "v1", lambda: ["不该重算"]) == ["甲"]
    assert again.get("titles", "b.json", "v2", lambda: ["乙（修订）"]) == ["乙（修订）"]
    assert list(incremental.Derived(cache, full=True).preloading(["a.json"])) == []


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
        monkeypatch.setattr(incremental.ACTIVE, "manifests_store", None)
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
