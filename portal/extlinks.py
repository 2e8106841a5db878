"""The opt-in external-link check: ``scripts/check --external-links``. Never part of a build.

Every http(s) link of a document (body links, HTML ``href``/``src``, ``<https://…>`` autolinks and
URL fields such as a guide's ``online_url``) is requested once per run, several at a time, each
with a timeout, so a site that hangs costs the timeout and nothing more. Answers that worked are
kept in a cache file (JSON, URL → result and time) for ``cache_days``; failures are asked again on
the next run. Each broken link is a warning at the file and line that holds it.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pelicanconf import SITE_DOMAIN
from portal import body_check, check, schema
from portal.frontmatter import FrontMatterError, parse

DEFAULT_CACHE = check.REPO_ROOT / "cache" / "external-links.json"
DEFAULT_TIMEOUT = 10.0  # seconds per request
DEFAULT_CACHE_DAYS = 7
WORKERS = 8
USER_AGENT = "shifan-portal-linkcheck/1.0 (+https://" + SITE_DOMAIN + "/)"
AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
EXTERNAL_RE = re.compile(r"^https?://", re.I)
# a HEAD these servers refuse is asked again as a GET
HEAD_REFUSED = frozenset({403, 405, 501})


@dataclass(frozen=True)
class Link:
    """One external link where an editor wrote it."""

    path: str  # as shown (content/…)
    line: int
    url: str


@dataclass(frozen=True)
class Result:
    """The answer for one URL: ok, or why not, in Chinese."""

    ok: bool
    detail: str  # "HTTP 200", "HTTP 404", "超时（10 秒）", "连接失败：…"
    checked_at: float
    cached: bool = False


def links_of(doc: Any, shown: str, doc_type: schema.DocType) -> list[Link]:
    """The external links of one parsed document, with their lines."""
    out: list[Link] = []
    for f in doc_type.fields:
        value = doc.meta.get(f.key)
        if f.kind == "url" and isinstance(value, str) and EXTERNAL_RE.match(value.strip()):
            out.append(Link(shown, doc.line_of(f.key), value.strip()))
    body = check.HTML_COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), doc.body)
    in_fence = False
    for n, text in enumerate(body.split("\n")):
        if body_check.FENCE_RE.match(text):
            in_fence = not in_fence
            continue
        if in_fence or "http" not in text:
            continue
        targets = check.MD_LINK_RE.findall(text) + check.HTML_LINK_RE.findall(text) \
            + AUTOLINK_RE.findall(text)
        ref = check.MD_REF_DEF_RE.match(text)
        if ref:
            targets.append(ref.group(1))
        out.extend(Link(shown, doc.body_line + n, t) for t in dict.fromkeys(targets)
                   if EXTERNAL_RE.match(t) and SITE_DOMAIN not in t.split("/")[2])
    return out


def collect(content_dir: Path, root: Path | None = None) -> list[Link]:
    """Every external link of every readable document under content_dir."""
    site = check.Site(Path(content_dir), check.Registry([]), root)
    out: list[Link] = []
    for relpath in site.documents():
        t = check.doc_type_of(relpath)
        if t is None:
            continue
        try:
            doc = parse(Path(content_dir) / relpath)
        except (FrontMatterError, ValueError):
            continue  # scripts/check reports it
        out.extend(links_of(doc, site.display(relpath), t))
    return out


def request(url: str, timeout: float) -> Result:
    """Ask one URL (HEAD, then GET where HEAD is refused); never raises."""
    now = time.time()
    for method in ("HEAD", "GET"):
        req = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http/https only)
                return Result(True, f"HTTP {resp.status}", now)
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in HEAD_REFUSED:
                continue
            return Result(False, f"HTTP {exc.code}", now)
        except TimeoutError:
            return Result(False, f"超时（{timeout:g} 秒无应答）", now)
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                return Result(False, f"超时（{timeout:g} 秒无应答）", now)
            return Result(False, f"连接失败：{exc.reason}", now)
        except (OSError, ValueError) as exc:  # a reset connection, a malformed URL
            return Result(False, f"连接失败：{exc}", now)
    return Result(False, "连接失败", now)


def _read_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache yet, or a damaged one: ask again
    return data if isinstance(data, dict) else {}


def check_links(links: Iterable[Link], *, timeout: float = DEFAULT_TIMEOUT,
                cache_path: Path | None = DEFAULT_CACHE, cache_days: float = DEFAULT_CACHE_DAYS,
                now: float | None = None) -> dict[str, Result]:
    """URL → result for every distinct URL, from the cache where fresh, else asked in parallel."""
    now = time.time() if now is None else now
    urls = list(dict.fromkeys(link.url for link in links))
    cache = _read_cache(cache_path) if cache_path is not None else {}
    results: dict[str, Result] = {}
    for url in urls:
        hit = cache.get(url)
        if isinstance(hit, dict) and hit.get("ok") and now - float(hit.get("checked_at", 0)) \
                < cache_days * 86400:
            results[url] = Result(True, str(hit.get("detail", "")), float(hit["checked_at"]), cached=True)
    todo = [u for u in urls if u not in results]
    if todo:
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(todo))) as pool:
            for url, result in zip(todo, pool.map(lambda u: request(u, timeout), todo), strict=True):
                results[url] = Result(result.ok, result.detail, now)
    if cache_path is not None:
        for url, r in results.items():
            if r.ok:
                cache[url] = {"ok": True, "detail": r.detail, "checked_at": r.checked_at}
            else:
                cache.pop(url, None)  # failures are asked again next time
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True),
                              encoding="utf-8")
    return results


def problems(links: list[Link], results: dict[str, Result]) -> list[check.Problem]:
    """A warning at each place a broken link is written."""
    return [check.Problem(link.path, link.line,
                          f"外部链接 {link.url} 无法访问（{results[link.url].detail}）；请核对网址或删除链接",
                          check.WARNING)
            for link in links if not results[link.url].ok]


def summary(results: dict[str, Result]) -> str:
    """One line: how many external links, broken, answered from the cache."""
    broken = sum(1 for r in results.values() if not r.ok)
    cached = sum(1 for r in results.values() if r.cached)
    return (f"外部链接 {len(results)} 个：可访问 {len(results) - broken} 个（其中 {cached} 个取自缓存），"
            f"无法访问 {broken} 个")
