"""A build that cannot finish ends: exit status 1, a Chinese message, no process left, in seconds.

Runs the real commands in a subprocess (pelican, make build, make run, the preview) on a copy of
the tiny tree padded with enough documents that the search worker still has work queued when the
build stops. The hang of issue 18 (a content error, then the exit waiting on a queue nobody read)
needed a full pipe, which happens when the worker starts slower than Pelican reads, as on a busy
machine: every run here starts its worker processes 3 s late, so that case is the one tested.
Every process a run starts inherits a marker in its environment, so a worker left behind is found
however it was started.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from harness.ports import reserved_port
from tests.conftest import ROOT, TEST_SITE
from tests.portal.util import edit

BIN = Path(sys.executable).parent
MARKER = "PORTAL_BUILD_TEST_RUN"
PADDING = 160  # documents: about 0.8 MB of text for the worker, far more than a pipe holds
# A plugin for these tests: at the end of reading (the worker has documents by then) it writes
# the worker's pid to a file, then either raises or holds the build until it is signalled.
TEST_PLUGIN = '''
import os, sys, time
from pathlib import Path
from pelican import signals

def after_reading(generator):
    plugin = sys.modules.get("searchindex.searchindex")  # the preview leaves it out
    worker = plugin._WORKER if plugin else None
    Path(os.environ["BUILD_TEST_PIDFILE"]).write_text(str(worker.proc.pid) if worker else "none")
    if os.environ["BUILD_TEST_MODE"] == "raise":
        raise RuntimeError("测试插件在搜索索引进程启动后出错")
    time.sleep(120)

def register():
    signals.article_generator_finalized.connect(after_reading)
'''
# Imported by every Python process of a run (PYTHONPATH); delays only multiprocessing's children.
SLOW_START = '''
import time
from pathlib import Path

if b"--multiprocessing-fork" in Path("/proc/self/cmdline").read_bytes():
    time.sleep(3)
'''
BODY = "示范县持续推进政务公开标准化规范化建设，主动公开政策文件、解读材料和办事指南。\n\n" * 40


def pad(content: Path, n: int = PADDING) -> None:
    """Add ``n`` valid disclosure documents with long bodies to a content tree."""
    folder = content / "xxgk" / "wj" / "2024"
    for i in range(n):
        (folder / f"pad-{i:03}.md").write_text(
            f"---\ntitle: 示范县人民政府办公室关于政务公开工作的第{i + 1}号通知\n"
            f"index_no: 01150001-1/2024-{100 + i:05}\ntopic: 综合政务\ngenre: 通知\n"
            f"publisher: xzfb\nwritten: 2024-05-01\ndate: 2024-05-02\nvalidity: 有效\n"
            f"keywords:\n  - 政务公开\nsummary: 第{i + 1}号通知的内容概述。\n---\n{BODY}", encoding="utf-8")


@pytest.fixture
def broken_tree(tmp_path: Path) -> Path:
    """The padded tree with three content errors: a duplicate 索引号, an unknown 发布机构 and an
    impossible date."""
    content = tmp_path / "content"
    shutil.copytree(TEST_SITE, content)
    pad(content)
    folder = content / "xxgk" / "wj" / "2024"
    edit(folder / "pad-001.md", "index_no: 01150001-1/2024-00101", "index_no: 01150001-1/2024-00100")
    edit(folder / "pad-002.md", "publisher: xzfb", "publisher: nosuch")
    edit(folder / "pad-003.md", "date: 2024-05-02", "date: 2024-02-30")
    return content


@pytest.fixture
def padded_tree(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(TEST_SITE, content)
    pad(content)
    return content


def living(marker: str) -> list[int]:
    """Pids of the processes (zombies aside) whose environment carries the marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def left_behind(marker: str, seconds: float = 10.0) -> list[int]:
    """Processes of a finished run still alive after a few seconds (an orphan may take that long
    to notice its parent is gone)."""
    deadline = time.monotonic() + seconds
    while (pids := living(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return pids


@pytest.fixture(autouse=True)
def slow_start(tmp_path: Path, monkeypatch) -> None:
    """Every run of a test starts its worker processes late (see the module's docstring)."""
    folder = tmp_path / "slowstart"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SLOW_START, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(folder))


class Run:
    """One command in its own session, with the marker in its environment."""

    def __init__(self, cmd: list[str], cwd: Path, *, held: contextlib.ExitStack | None = None,
                 **env: str) -> None:
        self.marker = uuid.uuid4().hex
        self.held = held or contextlib.ExitStack()  # kept until the run ends (its port)
        # wide lines: Pelican's log handler wraps at the terminal's width
        self.env = {**os.environ, MARKER: self.marker, "COLUMNS": "400", **env}
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                                     start_new_session=True)

    def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        """Exit status and output; a run that does not end in time is killed and fails the test."""
        with self.held:
            try:
                out, _ = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                for pid in living(self.marker):
                    os.kill(pid, signal.SIGKILL)
                out, _ = self.proc.communicate()
                pytest.fail(f"still running after {timeout} s:\n{out[-3000:]}")
        return self.proc.returncode, out

    def signal(self, sig: int, group: bool) -> None:
        """Ctrl-C reaches the whole foreground group; a service manager signals the process."""
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            os.kill(self.proc.pid, sig)


def pelican(content: Path, out: Path, settings: Path = ROOT / "pelicanconf.py", **env: str) -> Run:
    return Run([str(BIN / "pelican"), str(content), "-s", str(settings), "-o", str(out)],
               cwd=content.parent, **env)


def preview(content: Path, out: Path, settings: Path = ROOT / "pelicanconf.py", **env: str) -> Run:
    held = contextlib.ExitStack()
    port = held.enter_context(reserved_port())  # the preview's until the run ends (harness.ports)
    return Run([sys.executable, str(ROOT / "scripts" / "preview"), "--content", str(content),
                "--output", str(out), "--settings", str(settings), "--port", str(port)],
               cwd=content.parent, held=held, **env)


def settings_with_test_plugin(tmp_path: Path, mode: str) -> tuple[Path, dict[str, str]]:
    """A settings file: the project's, plus the test plugin; and the environment it reads."""
    plugin = tmp_path / "testplugins" / "buildtest"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text(TEST_PLUGIN, encoding="utf-8")
    settings = tmp_path / "settings.py"
    settings.write_text(
        "import runpy\n"
        f"globals().update(runpy.run_path({str(ROOT / 'pelicanconf.py')!r}))\n"
        f"THEME = {str(ROOT / 'theme')!r}\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}, {str(plugin.parent)!r}]\n"
        "PLUGINS = [*PLUGINS, 'buildtest']\n", encoding="utf-8")
    env = {"BUILD_TEST_MODE": mode, "BUILD_TEST_PIDFILE": str(tmp_path / "worker.pid")}
    return settings, env


def wait_for_file(path: Path, run: Run, seconds: float = 60.0) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        if run.proc.poll() is not None or time.monotonic() > deadline:
            _, out = run.finish(5)
            pytest.fail(f"the build never reached the test plugin:\n{out[-3000:]}")
        time.sleep(0.05)
    return path.read_text()


CONTENT_ERRORS = (
    "内容有 4 处错误，未生成网站",
    "pad-000.md:3: index_no（索引号）01150001-1/2024-00100 与 content/xxgk/wj/2024/pad-001.md 重复",
    "pad-001.md:3: index_no（索引号）01150001-1/2024-00100 与 content/xxgk/wj/2024/pad-000.md 重复",
    "pad-002.md:6: publisher（发布机构） 的机构代码 “nosuch” 不在机构名录",
    "pad-003.md:8: date（发布日期） 的日期 “2024-02-30” 不存在",
)


def test_pelican_with_content_errors_exits_1_with_the_errors(broken_tree, tmp_path):
    run = pelican(broken_tree, tmp_path / "out")
    status, out = run.finish()
    assert status == 1, out[-3000:]
    for line in CONTENT_ERRORS:
        assert line in out
    assert left_behind(run.marker) == []
    assert not (tmp_path / "out" / "index.html").exists()


@pytest.mark.parametrize("target", ["build", "run"])
def test_make_build_and_make_run_stop_at_content_errors(broken_tree, tmp_path, target):
    venv = Path(sys.prefix)
    # -o: never reinstall the environment from a test; VENV: the environment running the tests
    with reserved_port() as port:  # free when make run checks it (harness.ports)
        run = Run(["make", "-s", "-o", f"{venv}/.installed", target, f"VENV={venv}",
                   f"CONTENT={broken_tree}", f"OUTPUT={tmp_path / 'out'}", f"PORT={port}"], cwd=ROOT)
        status, out = run.finish()
    assert status != 0, out[-3000:]
    # make's own exit status is 2 for any failed recipe; the build's is in its message
    assert re.search(r"\[Makefile:\d+: build\] Error 1", out), out[-3000:]
    for line in CONTENT_ERRORS:
        assert line in out
    assert "门户：http" not in out  # make run never starts the server on a failed build
    assert left_behind(run.marker) == []


# The publishing build and the preview's first build, each with what it says when it stops.
COMMANDS = {
    "pelican": (pelican, "生成被中断（{}），网站未生成完整，搜索索引未更新", "{}"),
    "preview": (preview, "[预览] 生成被中断（{}），预览未启动", "[预览] 生成失败，预览未启动：RuntimeError: {}"),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_an_exception_in_another_plugin_ends_the_build(padded_tree, tmp_path, command):
    start, _, failed = COMMANDS[command]
    settings, env = settings_with_test_plugin(tmp_path, "raise")
    run = start(padded_tree, tmp_path / "out", settings, **env)
    status, out = run.finish()
    # the publishing build had started its worker; the preview leaves the search out
    worker = (tmp_path / "worker.pid").read_text()
    assert worker == "none" if command == "preview" else worker.isdigit()
    assert status == 1, out[-3000:]
    assert failed.format("测试插件在搜索索引进程启动后出错") in out
    assert left_behind(run.marker) == []


@pytest.mark.parametrize(("command", "sig", "group"), [
    ("pelican", signal.SIGINT, True), ("pelican", signal.SIGINT, False),
    ("pelican", signal.SIGTERM, False), ("pelican", signal.SIGTERM, True),
    ("preview", signal.SIGINT, True), ("preview", signal.SIGTERM, False),
], ids=["pelican-ctrl-c", "pelican-sigint", "pelican-sigterm", "pelican-sigterm-group",
        "preview-ctrl-c", "preview-sigterm"])
def test_a_signal_during_the_build_ends_it_with_status_1(padded_tree, tmp_path, command, sig, group):
    start, interrupted, _ = COMMANDS[command]
    settings, env = settings_with_test_plugin(tmp_path, "hold")
    run = start(padded_tree, tmp_path / "out", settings, **env)
    wait_for_file(tmp_path / "worker.pid", run)
    run.signal(sig, group)
    status, out = run.finish(30)
    assert status == 1, out[-3000:]
    assert interrupted.format(signal.Signals(sig).name) in out
    assert left_behind(run.marker) == []


def test_the_preview_shows_content_errors_and_serves_until_stopped(broken_tree, tmp_path):
    # Unlike the publishing build, the preview goes on: the editor fixes a file and sees the page
    # come back (docs/editing.md); Ctrl-C is how the editor ends it.
    run = preview(broken_tree, tmp_path / "out")
    deadline = time.monotonic() + 60
    while not (tmp_path / "out" / "index.html").exists() and run.proc.poll() is None:
        assert time.monotonic() < deadline, "the preview never wrote its first build"
        time.sleep(0.1)
    time.sleep(1)  # the first build's report is printed before serving
    run.signal(signal.SIGINT, group=True)
    status, out = run.finish(30)
    assert status == 0, out[-3000:]
    for line in CONTENT_ERRORS[1:]:
        assert f"[预览] 错误 content/xxgk/wj/2024/{line}" in out
    assert left_behind(run.marker) == []
