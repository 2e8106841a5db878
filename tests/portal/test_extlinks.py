"""scripts/check --external-links against a local HTTP server on loopback: a good link, a 404, one
that never answers (a timeout), and the cache that spares the good one the next time."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portal import check, extlinks

from .util import line_of

RELEASE = threading.Event()
HITS: list[str] = []


class Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        HITS.append(f"{self.command} {self.path}")
        if self.path == "/hang":
            RELEASE.wait(10)  # longer than the check's timeout; the test releases it at the end
            return
        if self.path == "/head-refused" and self.command == "HEAD":
            self.send_response(405)
        else:
            self.send_response(200 if self.path in ("/ok", "/head-refused") else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = _answer
    do_GET = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    RELEASE.clear()
    HITS.clear()
    # 127.0.0.2, loopback too: a link to 127.0.0.1 is an editor's preview address (body_check)
    httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{httpd.server_address[1]}"
    finally:
        RELEASE.set()
        httpd.shutdown()
        httpd.server_close()


def _write_links(site: Path, base: str) -> Path:
    # the tree's one URL field (a guide's online_url) points at a host with no DNS here: use ours
    guide = site / "bsfw/spjy-xuke.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace(
        "https://zwfw.shifan.gov.cn/scjgj/spjy", f"{base}/ok"), encoding="utf-8")
    news = site / "zwdt/2024-gzhy.md"
    news.write_text(news.read_text(encoding="utf-8") + (
        f"\n详见[通知]({base}/ok)。\n\n"
        f"原文链接：<{base}/gone>\n\n"
        f'<a href="{base}/hang">附件</a>\n\n'
        f"[办理入口]: {base}/head-refused\n\n"
        "```\n"
        f"{base}/in-a-fence-not-a-link\n"
        "```\n"), encoding="utf-8")
    return news


def test_good_404_and_hanging_links(site: Path, server: str, tmp_path: Path, capsys) -> None:
    news = _write_links(site, server)
    cache = tmp_path / "links.json"
    code = check.main([str(site), "--today", "2024-06-25", "--external-links",
                       "--link-timeout", "0.5", "--link-cache", str(cache)])
    assert code == 0  # broken links are warnings
    out = capsys.readouterr().out.splitlines()
    broken = sorted(line.split("zwdt/", 1)[1] for line in out if "外部链接" in line and "无法访问（" in line)
    assert broken == sorted([
        f"2024-gzhy.md:{line_of(news, '/gone')}: 警告：外部链接 {server}/gone 无法访问（HTTP 404）；请核对网址或删除链接",
        f"2024-gzhy.md:{line_of(news, '/hang')}: 警告：外部链接 {server}/hang 无法访问（超时（0.5 秒无应答））；"
        "请核对网址或删除链接",
    ])
    assert "外部链接 4 个：可访问 2 个（其中 0 个取自缓存），无法访问 2 个" in out
    assert "GET /head-refused" in HITS  # a refused HEAD is asked again as GET
    assert not any("fence" in h for h in HITS)
    assert set(json.loads(cache.read_text(encoding="utf-8"))) == {f"{server}/ok", f"{server}/head-refused"}

    # the next run takes the good links from the cache and asks the broken ones again
    HITS.clear()
    RELEASE.set()
    check.main([str(site), "--today", "2024-06-25", "--external-links", "--link-timeout", "0.5",
                "--link-cache", str(cache)])
    assert "外部链接 4 个：可访问 2 个（其中 2 个取自缓存），无法访问 2 个" in capsys.readouterr().out
    assert sorted(h.split()[1] for h in HITS) == ["/gone", "/hang"]


def test_cache_expires(site: Path, server: str, tmp_path: Path) -> None:
    links = [extlinks.Link("a.md", 1, f"{server}/ok")]
    cache = tmp_path / "links.json"
    extlinks.check_links(links, timeout=1, cache_path=cache, now=1_000_000)
    HITS.clear()
    fresh = extlinks.check_links(links, timeout=1, cache_path=cache, cache_days=7,
                                 now=1_000_000 + 6 * 86400)
    assert fresh[f"{server}/ok"].cached and HITS == []
    stale = extlinks.check_links(links, timeout=1, cache_path=cache, cache_days=7,
                                 now=1_000_000 + 8 * 86400)
    assert not stale[f"{server}/ok"].cached and HITS == ["HEAD /ok"]


def test_url_fields_are_checked_and_the_normal_check_asks_nothing(site: Path, server: str) -> None:
    guide = site / "bsfw/spjy-xuke.md"
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text.replace("https://zwfw.shifan.gov.cn/scjgj/spjy", f"{server}/gone"), encoding="utf-8")
    assert check.run(site, root=site.parent).problems is not None
    assert HITS == []  # scripts/check and the build never go online
    found = [link for link in extlinks.collect(site, root=site.parent) if link.url.endswith("/gone")]
    assert [(link.path, link.line) for link in found] == [("site/bsfw/spjy-xuke.md", line_of(guide, "online_url:"))]
