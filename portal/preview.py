"""Incremental preview: build once, then re-render only what one changed document touches.

Pelican 4.12 rebuilds every page on every run (``WRITE_SELECTED`` is gone), which takes most of a
minute at 10,000 documents. ``Preview`` keeps Pelican's context, generators and Jinja environment
in memory after one full build. When a document changes it re-reads just that file through the
same reader and checks (plugins/yamlmeta → portal.check), swaps the new Article into the shared
context, writes its page, and lets the catalogs generator recompute its list pages through a
writer that renders a page only when what the page shows has changed (its fingerprint: the items,
counts and facets passed to the template). Anything else (departments.yml, attachments, the
theme) triggers a full in-process rebuild.

Feeds, JSON exports, the sitemap and the search index are refreshed by full builds only; the
preview is for editors, ``make build`` remains the publishing build.

``scripts/preview`` serves the output on 127.0.0.1 and prints what each change cost.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import html
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from portal import ports
from portal.sites import SiteError
from sitesearch.fields import DEFAULT_SITE

REPO_ROOT = Path(__file__).resolve().parents[1]

log = logging.getLogger("portal.preview")

# Plugins the preview leaves out: the search index takes longer than the rest of the build and
# the preview serves no search.
SKIPPED_PLUGINS = ("searchindex",)
STATUS_PATH = "/_preview/status"


@dataclass
class Update:
    """What one incremental step did."""

    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    full_rebuild: bool = False
    written: list[str] = field(default_factory=list)  # output paths, relative to output/
    skipped: int = 0  # list pages whose fingerprint had not changed
    problems: list[str] = field(default_factory=list)  # "path:line: message" lines
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def fingerprint(value: Any, versions: dict[str, int], memo: dict[int, tuple[Any, Any]] | None = None,
                depth: int = 0) -> Any:
    """A hashable summary of what a template receives: what changes when the page would change.

    Content objects count as (source path, version): a re-read document gets a new version, so
    every page that is handed the object itself renders again. Other objects (departments,
    helper functions) do not change during a preview and count by identity. ``memo`` caches the
    summary of each list and dict by identity for one pass of the catalogs generator, which hands
    the same facet lists and item dicts to many pages; it keeps the objects alive, so an id is
    never reused for another object while the memo lives.
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if depth > 8:
        return ("id", id(value))
    container = isinstance(value, (dict, list, tuple))
    if container and memo is not None:
        hit = memo.get(id(value))
        if hit is not None:
            return hit[1]
    if isinstance(value, dict):
        fp: Any = tuple((k, fingerprint(v, versions, memo, depth + 1)) for k, v in value.items())
    elif container:
        fp = tuple(fingerprint(v, versions, memo, depth + 1) for v in value)
    else:
        source = getattr(value, "relative_source_path", None)
        if source is not None and hasattr(value, "metadata"):
            return ("doc", source, versions.get(source, 0))
        if hasattr(value, "strftime"):
            return value.isoformat()
        return ("id", id(value))
    if memo is not None:
        memo[id(value)] = (value, fp)
    return fp


class _AtomicFile:
    """A text file written beside its target and renamed over it on close: the preview serves
    pages while it rewrites them, and a reader must never see a half-written page."""

    def __init__(self, path: str, encoding: str) -> None:
        self.path = path
        self.tmp = f"{path}.preview-tmp"
        self.f = open(self.tmp, "w", encoding=encoding)  # noqa: SIM115 (closed in __exit__)

    def write(self, text: str) -> int:
        return self.f.write(text)

    def __enter__(self) -> _AtomicFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.f.close()
        if exc[0] is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)


def atomic_writer(writer: Any) -> Any:
    """Make a Pelican Writer replace files atomically (incremental steps only)."""

    def open_w(filename: str, encoding: str, override: bool = False) -> Any:
        writer._written_files.add(filename)
        return _AtomicFile(filename, encoding)

    writer._open_w = open_w
    return writer


class SelectiveWriter:
    """A Pelican writer that renders a page only when its fingerprint changed (or it is forced)."""

    def __init__(self, writer: Any, prints: dict[str, Any], versions: dict[str, int],
                 record_only: bool = False, force: Iterable[str] = ()) -> None:
        self._writer = writer
        self.prints = prints
        self.versions = versions
        self.record_only = record_only  # first build: write everything, remember fingerprints
        self.force = set(force)
        self.written: list[str] = []
        self.skipped = 0
        self.memo: dict[int, tuple[Any, Any]] = {}  # one writer per pass: see fingerprint()

    def write_file(self, name: str, template: Any, context: dict[str, Any], *args: Any,
                   **kwargs: Any) -> None:
        if not name:
            return
        fp = fingerprint(kwargs, self.versions, self.memo)
        if not self.record_only and name not in self.force and self.prints.get(name) == fp:
            self.skipped += 1
            return
        self.prints[name] = fp
        self._writer.write_file(name, template, context, *args, override_output=True, **{
            k: v for k, v in kwargs.items() if k != "override_output"})
        self.written.append(name)

    def __getattr__(self, name: str) -> Any:  # write_feed and anything else: pass through
        return getattr(self._writer, name)


class Preview:
    """One Pelican site kept in memory, rebuilt per document."""

    def __init__(self, content: Path, output: Path, settings_file: Path | None = None,
                 overrides: dict[str, Any] | None = None,
                 decide: Callable[[], dict[str, Any]] | None = None) -> None:
        self.content = Path(content).resolve()
        self.output = Path(output).resolve()
        self.settings_file = Path(settings_file or REPO_ROOT / "pelicanconf.py")
        # settings that depend on the documents (a sub-site's: which sections are the county's,
        # portal.sites.county_sections), decided again on every pass; a new answer is a full build
        self.decide = decide
        self.overrides = dict(overrides or {}) if decide is None else decide()
        self.versions: dict[str, int] = {}
        self.prints: dict[str, Any] = {}
        self.problems: dict[str, list[str]] = {}  # relpath → problems shown for it
        self.build_problems: list[str] = []
        self.generation = 0  # bumped after every build or update, for the status endpoint
        self.last: Update | None = None
        self.lock = threading.RLock()
        self.build_seconds = 0.0

    # ---- full build --------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        from pelican.settings import read_settings

        base = read_settings(str(self.settings_file))
        plugins = [p for p in base.get("PLUGINS", []) if p not in SKIPPED_PLUGINS]
        return read_settings(str(self.settings_file), override={
            "PATH": str(self.content),
            "OUTPUT_PATH": str(self.output),
            "PLUGINS": plugins,
            "DELETE_OUTPUT_DIRECTORY": False,
            # Article order and the dates of list pages must be the publishing build's.
            **self.overrides,
        })

    def build(self) -> Update:
        """Full build in this process, keeping generators and context for incremental steps."""
        from pelican import Pelican, signals
        from pelican.generators import ArticlesGenerator

        started = time.perf_counter()
        with self.lock:
            # before reading: a file saved during the build is seen by the next poll
            snapshot = scan(self.content)
            if self.decide is not None:
                self.overrides = self.decide()
            settings = self.settings()
            self.pelican = pelican = Pelican(settings)
            yamlmeta = reader_plugin()
            context = settings.copy()
            context["generated_content"] = {}
            context["static_links"] = set()
            context["static_content"] = {}
            context["localsiteurl"] = settings["SITEURL"]
            self.context = context
            self.generators = [
                cls(context=context, settings=settings, path=pelican.path, theme=pelican.theme,
                    output_path=pelican.output_path)
                for cls in pelican._get_generator_classes()
            ]
            self.articles_gen = next(g for g in self.generators
                                     if isinstance(g, ArticlesGenerator))
            self.build_problems = []
            for g in self.generators:
                if hasattr(g, "generate_context"):
                    # the reader plugin stops the publishing build on errors; the preview
                    # shows them and goes on with what it could read
                    with contextlib.suppress(yamlmeta.ContentError):
                        g.generate_context()
                if hasattr(g, "check_disabled_readers"):
                    g.check_disabled_readers()
            self.build_problems = [str(p) for p in yamlmeta.STATE.problems
                                   if getattr(p, "severity", "error") == "error"]
            signals.all_generators_finalized.send(self.generators)
            for g in self.generators:
                if hasattr(g, "refresh_metadata_intersite_links"):
                    g.refresh_metadata_intersite_links()
            self.versions = {}
            self.prints = {}
            self.problems = {}
            writer = SelectiveWriter(pelican._get_writer(), self.prints, self.versions,
                                     record_only=True)
            for g in self.generators:
                if hasattr(g, "generate_output"):
                    g.generate_output(writer)
            signals.finalized.send(pelican)
            self.snapshot = snapshot
            self.generation += 1
            self.build_seconds = time.perf_counter() - started
            update = Update(full_rebuild=True, written=writer.written,
                            problems=list(self.build_problems), seconds=self.build_seconds)
            self.last = update
            return update

    # ---- incremental steps ---------------------------------------------------------------------

    def is_document(self, relpath: str) -> bool:
        """Whether a path under content/ is a document Pelican reads as an article."""
        from portal.check import doc_type_of

        name = relpath.rsplit("/", 1)[-1]
        if not relpath.endswith(".md") or any(
                fnmatch.fnmatch(name, pat) for pat in self.context.get("IGNORE_FILES", [])):
            return False
        return doc_type_of(relpath) is not None

    def apply(self, changed: Iterable[str] = (), removed: Iterable[str] = (),
              snapshot: dict[str, tuple[int, int]] | None = None) -> Update:
        """Bring output/ up to date after documents changed (or appeared) and were removed.

        ``snapshot`` is the scan the changes were found in; files saved while this runs differ
        from it and are picked up by the next poll.
        """
        changed, removed = sorted(set(changed)), sorted(set(removed))
        if any(not self.is_document(p) for p in (*changed, *removed)) or (
                self.decide is not None and self.decide() != self.overrides):
            return self.build()
        started = time.perf_counter()
        with self.lock:
            snapshot = snapshot if snapshot is not None else scan(self.content)
            update = self._apply(changed, removed)
            self.snapshot = snapshot
            self.generation += 1
            update.seconds = time.perf_counter() - started
            self.last = update
            return update

    def _apply(self, changed: list[str], removed: list[str]) -> Update:
        from pelican import signals
        from pelican.contents import Article, SkipStub

        from portal import check

        yamlmeta = reader_plugin()
        gen = self.articles_gen
        update = Update(changed=changed, removed=removed)
        by_path: dict[str, Any] = {a.relative_source_path: a for a in gen.articles}
        state = yamlmeta.STATE
        if state.site is not None and (removed or any(p not in by_path for p in changed)):
            # links and file fields check against the set of files: refresh it for new files
            state.site = check.Site(self.content, state.registry, root=self.content.parent)
        new_articles: dict[str, Any] = {}
        for relpath in changed:
            before = len(state.problems)
            article = None
            try:
                article = gen.readers.read_file(
                    base_path=gen.path, path=relpath, content_class=Article, context=gen.context,
                    preread_signal=signals.article_generator_preread, preread_sender=gen,
                    context_signal=signals.article_generator_context, context_sender=gen)
            except Exception as exc:  # a reader crash is a problem to show, not a dead preview
                state.problems.append(f"content/{relpath}:1: 无法读取：{exc}")
            found = state.problems[before:]
            del state.problems[before:]
            state.documents = []
            errors = [str(p) for p in found if getattr(p, "severity", "error") == "error"]
            if article is not None and not isinstance(article, SkipStub):
                errors += self._clashes(article, by_path)
            if errors or article is None or isinstance(article, SkipStub):
                self.problems[relpath] = errors or [f"content/{relpath}:1: 无法读取"]
                update.problems.extend(self.problems[relpath])
                old = by_path.get(relpath)
                self._write_error_page(relpath, old, self.problems[relpath], update)
                continue
            self.problems.pop(relpath, None)
            new_articles[relpath] = article
        for relpath in removed:
            self.problems.pop(relpath, None)
        if not new_articles and not removed:
            return update

        # swap the new Articles into the shared lists, keeping Pelican's order
        from pelican.utils import order_content

        kept = [a for a in gen.articles
                if a.relative_source_path not in new_articles and a.relative_source_path not in removed]
        kept.extend(new_articles.values())
        gen.articles = order_content(kept, gen.settings["ARTICLE_ORDER_BY"])
        gen.dates = sorted(gen.articles, key=lambda a: a.date,
                           reverse=gen.context["NEWEST_FIRST_ARCHIVES"])
        gen.context["articles"] = gen.articles
        gen.context["dates"] = gen.dates
        if "site_pages" in gen.context:  # set by the reader plugin: fixed pages that exist
            gen.context["site_pages"] = frozenset(
                a.url for a in gen.articles if getattr(a, "doctype", "") == "page")
        for relpath in removed:
            old = by_path.get(relpath)
            gen.context["generated_content"].pop(relpath, None)
            if old is not None:
                target = self.output / old.save_as
                target.unlink(missing_ok=True)
                update.written.append(old.save_as)
        for relpath, article in new_articles.items():
            gen.context["generated_content"][relpath] = article
            gen.add_static_links(article)
            self.versions[relpath] = self.versions.get(relpath, 0) + 1
            old = by_path.get(relpath)
            if old is not None and old.save_as != article.save_as:
                (self.output / old.save_as).unlink(missing_ok=True)
        # cross references the reader plugin sets once per build (replaced_by → the newer doc);
        # a document whose banner names a changed one is written again too
        by_index_no = {a.index_no: a for a in gen.articles if getattr(a, "doctype", "") == "disclosure"}
        touched = {getattr(a, "index_no", None) for a in new_articles.values()}
        touched |= {getattr(by_path[p], "index_no", None) for p in removed if p in by_path}
        touched.discard(None)
        rewrite = dict(new_articles)
        for a in gen.articles:
            ref = getattr(a, "replaced_by", None)
            if a.relative_source_path in new_articles or (ref and ref in touched):
                a.replaced_by_doc = by_index_no.get(ref) if ref else None
                if a.relative_source_path not in new_articles:
                    self.versions[a.relative_source_path] = \
                        self.versions.get(a.relative_source_path, 0) + 1
                    rewrite[a.relative_source_path] = a
        for a in self._power_links(new_articles, [by_path[p] for p in (*changed, *removed) if p in by_path]):
            if a.relative_source_path not in rewrite:
                self.versions[a.relative_source_path] = self.versions.get(a.relative_source_path, 0) + 1
                rewrite[a.relative_source_path] = a

        writer = SelectiveWriter(atomic_writer(self.pelican._get_writer()), self.prints,
                                 self.versions, force={a.save_as for a in rewrite.values()})
        for article in rewrite.values():
            signals.article_generator_write_article.send(gen, content=article)
            writer.write_file(
                article.save_as, gen.get_template(article.template), gen.context,
                article=article, category=getattr(article, "category", None),
                url=article.url, blog=True, relative_urls=gen.settings["RELATIVE_URLS"])
        for g in self.generators:
            if g is gen or not hasattr(g, "generate_output"):
                continue
            if type(g).__name__ in ("CatalogGenerator", "PowerCatalogue"):
                getattr(g, "_entries", {}).clear()  # cached per id(article): ids are reused
                g.generate_output(writer)
        update.written.extend(writer.written)
        update.skipped = writer.skipped
        return update

    def _power_links(self, new: dict[str, Any], old: list[Any]) -> list[Any]:
        """The pages that show a changed document through a guide's ``power``: a 权力事项 lists
        the guides that name it and a guide links its item (plugins/powers joins them), so when
        a guide's ``power`` or an item's ``code`` changes, the items and guides on either side
        of the old and the new link are written again."""
        codes: set[str] = set()
        for a in (*new.values(), *old):
            doctype = getattr(a, "doctype", "")
            value = getattr(a, "power", None) if doctype == "guide" else getattr(a, "code", None) \
                if doctype == "power" else None
            if value:
                codes.add(str(value))
        if not codes:
            return []
        return [a for a in self.articles_gen.articles
                if (getattr(a, "doctype", "") == "power" and str(getattr(a, "code", "")) in codes)
                or (getattr(a, "doctype", "") == "guide" and str(getattr(a, "power", "") or "") in codes)]

    def _clashes(self, article: Any, by_path: dict[str, Any]) -> list[str]:
        """The cross-document rules of check_site that one document can break on its own."""
        out = []
        me = article.relative_source_path
        for other in by_path.values():
            if other.relative_source_path == me:
                continue
            if other.save_as == article.save_as:
                out.append(f"content/{me}:1: 网址 /{article.save_as} 与 "
                           f"content/{other.relative_source_path} 相同；请改文件名")
            idx = getattr(article, "index_no", None)
            if idx and getattr(other, "index_no", None) == idx:
                out.append(f"content/{me}:1: index_no（索引号）{idx} 与 "
                           f"content/{other.relative_source_path} 重复；索引号一经赋予不得重复使用")
        return out

    def _write_error_page(self, relpath: str, old: Any, problems: list[str], update: Update) -> None:
        """Show the editor what is wrong where they are looking: at the document's own URL."""
        from portal import schema

        if old is not None:
            url = old.save_as
        else:
            t = schema.doc_type_for(relpath)
            url = schema.url_for(t, relpath, {}) if t else None
            if not url or "//" in url:  # a news URL needs its column, unknown here
                return
        target = self.output / url
        target.parent.mkdir(parents=True, exist_ok=True)
        with _AtomicFile(str(target), "utf-8") as f:
            f.write(error_page(relpath, problems))
        self.prints.pop(url, None)  # the next good version must be written over it
        update.written.append(url)

    # ---- watching --------------------------------------------------------------------------------

    def poll(self) -> Update | None:
        """Compare content/ with the last snapshot and apply what changed; None when nothing did."""
        now = scan(self.content)
        if now == self.snapshot:
            return None
        changed = [p for p, m in now.items() if self.snapshot.get(p) != m]
        removed = [p for p in self.snapshot if p not in now]
        return self.apply(changed, removed, snapshot=now)

    def status(self) -> dict[str, Any]:
        with self.lock:
            last = self.last
            return {
                "generation": self.generation,
                "build_seconds": round(self.build_seconds, 3),
                "problems": [p for ps in self.problems.values() for p in ps] or self.build_problems,
                "last": None if last is None else {
                    "changed": last.changed, "removed": last.removed,
                    "full_rebuild": last.full_rebuild, "written": len(last.written),
                    "skipped": last.skipped, "seconds": round(last.seconds, 3),
                },
            }


def reader_plugin() -> Any:
    """The yamlmeta plugin's module, as Pelican loaded it from the settings' PLUGIN_PATHS."""
    return importlib.import_module("yamlmeta.yamlmeta")


def scan(content: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file under content/, by posix path relative to it."""
    out: dict[str, tuple[int, int]] = {}
    stack = [(str(content), "")]
    while stack:
        base, rel = stack.pop()
        try:
            entries = list(os.scandir(base))
        except FileNotFoundError:
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            r = f"{rel}{e.name}"
            if e.is_dir(follow_symlinks=False):
                stack.append((e.path, r + "/"))
            else:
                try:
                    st = e.stat()
                except FileNotFoundError:
                    continue
                out[r] = (st.st_mtime_ns, st.st_size)
    return out


def error_page(relpath: str, problems: list[str]) -> str:
    items = "\n".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>预览：内容有错误</title>
<style>body{{font:16px/1.6 sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
h1{{color:#b00}}li{{margin:.5rem 0}}code{{white-space:pre-wrap}}</style></head>
<body><h1>预览：content/{html.escape(relpath)} 有错误</h1>
<p>改正后保存，本页会自动更新（刷新浏览器即可）。错误如下：</p>
<ul>{items}</ul>
<p>也可以运行 <code>scripts/check</code> 查看全站检查结果。</p></body></html>
"""


# ---- serving -------------------------------------------------------------------------------------


class _Handler(SimpleHTTPRequestHandler):
    preview: Preview

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802
        if self.path.split("?", 1)[0] == STATUS_PATH:
            body = json.dumps(self.preview.status(), ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s - %s", self.address_string(), format % args)


def serve(preview: Preview, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"preview": preview})
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(preview.output)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def watch_loop(preview: Preview, interval: float, stop: threading.Event) -> None:
    """Apply changes as they come: inotify through watchfiles when installed, else polling."""
    try:
        import watchfiles
    except ImportError:
        watchfiles = None
    if watchfiles is not None:
        for _changes in watchfiles.watch(preview.content, stop_event=stop, step=20,
                                         debounce=400, yield_on_timeout=False):
            _report(preview.poll())
        return
    while not stop.is_set():
        _report(preview.poll())
        stop.wait(interval)


def _report(update: Update | None) -> None:
    if update is None:
        return
    what = "全量重建" if update.full_rebuild else "、".join(update.changed + update.removed)
    print(f"[预览] {what}：写出 {len(update.written)} 个页面，跳过 {update.skipped} 个未变页面，"
          f"用时 {update.seconds:.2f} 秒", flush=True)
    for p in update.problems:
        print(f"[预览] 错误 {p}", flush=True)


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM: a KeyboardInterrupt, so no ``except Exception`` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal = signal.Signals(signum).name


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signum)


def site_preview(site_id: str | None, content: Path | None, output: Path | None,
                 repo: Path | None = None) -> tuple[Path, Path, Callable[[], dict[str, Any]] | None]:
    """(content, output, decide) of the site to preview: the county's (``decide`` None), or a
    sub-site's, whose ``decide()`` computes its settings (``portal.cluster.settings``) served from
    the preview's root, so its links work there; called again on every pass, as the sections that
    are the county's follow its documents."""
    from portal import sites as cluster_sites
    from portal.cluster import settings as cluster_settings

    content = cluster_sites.content_dir(site_id, content, repo=repo)
    if site_id in (None, DEFAULT_SITE):
        return content, Path(output or REPO_ROOT / "output"), None
    sites = cluster_sites.load_all(repo)
    site = next(s for s in sites if s.id == site_id)
    output = Path(output or REPO_ROOT / "output" / "_preview" / site_id)
    base = cluster_settings.base_settings(publish=False)

    def decide() -> dict[str, Any]:
        overrides = cluster_settings.subsite_overrides(site, sites, output, base=base)
        for key in ("PATH", "OUTPUT_PATH", "SEARCHINDEX"):
            overrides.pop(key)
        overrides.update(SITEURL="", FEED_DOMAIN="", SITE_LOGO=f"/theme/{site.logo}" if site.logo else "",
                         CLUSTER={**overrides["CLUSTER"], "prefix": ""})
        return overrides

    return content, output, decide


def main(argv: list[str] | None = None) -> int:
    """scripts/preview: build once, serve output/ and re-render what each saved document changes."""
    parser = argparse.ArgumentParser(prog="scripts/preview",
                                     description="编辑预览：先完整生成一次，之后只重新生成改动的文档及其所在列表页")
    parser.add_argument("--content", type=Path, default=None, help="内容目录，默认为仓库的 content/")
    parser.add_argument("--output", type=Path, default=None,
                        help="预览的生成目录，默认 output/（子网站：output/_preview/<代码>/）")
    parser.add_argument("--site", help="预览网站群中的这个网站（sites/ 下的网站代码），默认县门户网站")
    parser.add_argument("--settings", type=Path, default=REPO_ROOT / "pelicanconf.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--interval", type=float, default=0.3, help="无 watchfiles 时的轮询间隔（秒）")
    parser.add_argument("--poll", action="store_true", help="不用 watchfiles，按间隔轮询文件修改时间")
    args = parser.parse_args(argv)
    if (busy := ports.busy_port_message(args.host, args.port, "make preview")) is not None:
        print(f"[预览] {busy}", file=sys.stderr, flush=True)
        return 1
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # SIGTERM ends the preview as Ctrl-C does: during the first build with status 1, afterwards 0
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        content, output, decide = site_preview(args.site, args.content, args.output)
    except SiteError as exc:
        print(f"[预览] {exc}", file=sys.stderr, flush=True)
        return 2
    args.content = content
    preview = Preview(content, output, args.settings, decide=decide)
    print(f"[预览] 正在完整生成 {args.content} …", flush=True)
    try:
        update = preview.build()
    except Stopped as stop:
        print(f"[预览] 生成被中断（{stop.signal}），预览未启动", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # content errors are shown, not raised: this is a broken build
        traceback.print_exc()
        print(f"[预览] 生成失败，预览未启动：{type(exc).__name__}: {exc}", file=sys.stderr,
              flush=True)
        return 1
    print(f"[预览] 完整生成用时 {update.seconds:.1f} 秒，{len(update.written)} 个页面", flush=True)
    for p in update.problems:
        print(f"[预览] 错误 {p}", flush=True)
    server = serve(preview, args.host, args.port)
    print(f"[预览] http://{args.host}:{args.port}/ （状态：{STATUS_PATH}；Ctrl+C 退出）", flush=True)
    print("[预览] 预览只有静态页面：互动交流的表单和全站搜索不在这里提供（打开会显示找不到页面）；"
          "要连同它们一起查看，请用 make run", flush=True)
    stop = threading.Event()
    try:
        if args.poll:
            while True:
                _report(preview.poll())
                time.sleep(args.interval)
        else:
            watch_loop(preview, args.interval, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
