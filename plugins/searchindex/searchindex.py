"""Pelican plugin ``searchindex``: write this site's Whoosh index during the build.

Every site of the cluster has an index of its own under one folder, and the search reads them all
as one (``sitesearch.layout``); a build writes only its own site's. Every article (disclosure
documents, guides, projects, investment pages, news, fixed pages) and every department of the
registry becomes one search document of the site. Indexing runs in a worker process on the
second core, fed each document as soon as Pelican has read it, while the Pelican process goes on
reading and rendering on the first (the build itself is single-threaded): a cold build of 10,000
documents costs about as much wall time with the index as without. The index is written into a new
version folder that is published atomically when the whole build has succeeded; formsvc's
``/search`` picks it up on its next request. Incremental by default: with a usable live index only
documents whose content hash changed are re-indexed. A failed index build fails the Pelican build
(exit status 1) and leaves the previous index live.

A build that stops early never waits for the worker: whatever ends it (a content error, an exception
in any plugin, Ctrl-C or SIGTERM), the worker is ended without publishing and the process exits
with status 1 in seconds. SIGINT and SIGTERM during a build end it with a message instead of
Pelican's own handling (which exits 0 on Ctrl-C, and not at all on SIGTERM with a worker queued).

One dict setting, every key optional::

    SEARCHINDEX = {
        "dir": "output/_search",  # default: <OUTPUT_PATH>/_search (the cluster's index folder)
        "site": "county",         # this site's id in the cluster
        "departments": True,      # index the departments registry's pages (the county portal)
        "full": False,            # True: ignore the live index and rebuild everything
        "limitmb": 128,           # writer memory before postings spill to a temporary file
        "keep": 2,                # old versions kept for requests still reading them
        "background": True,       # False: index in the Pelican process after rendering
    }

A document another site of the cluster publishes (an article whose ``site`` attribute names that
site) is left to that site's index: one document, one URL, one hit.

A full rebuild from the command line: ``pelican -e 'SEARCHINDEX={"full": true}'``.
"""

from __future__ import annotations

import atexit
import datetime as dt
import html
import logging
import multiprocessing
import os
import queue as queue_module
import re
import resource
import signal
import threading
import time
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article
from pelican.utils import (
    strip_toc_elements_from_html,
    truncate_html_paragraphs,
    truncate_html_words,
)

from portal import schema
from portal import surveys as survey_defs
from portal.cluster import incremental
from sitesearch import fields as F
from sitesearch import layout
from sitesearch.indexer import DOCS, END, Document, build, stream_build

log = logging.getLogger(__name__)
PREFIX = "searchindex:"

_BLOCK = re.compile(r"</?(p|div|li|tr|br|h[1-6]|table|ul|ol|section|blockquote|pre)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_SOFT_CJK = re.compile(r"([\u3000-\u9fff\uff00-\uffef])[ \t]*\r?\n[ \t]*(?=[\u3000-\u9fff\uff00-\uffef])")
# Field kinds whose values are paths or addresses, not words anyone searches for.
_SKIP_KINDS = {"file", "url", "bool", "int", "date", "datetime"}
# Indexed by name elsewhere (title, body, summary …) or meaningless as text.
_SKIP_KEYS = {"title", "summary", "date", "index_no", "doc_no", "topic", "keywords", "publisher",
              "department", "replaced_by"}


def settings_of(settings: dict[str, Any]) -> dict[str, Any]:
    """The plugin's settings with defaults filled in; IndexBuildFailed when the site id is bad."""
    conf = {"dir": None, "site": F.DEFAULT_SITE, "departments": True, "full": False,
            "limitmb": 128, "keep": 2, "background": True}
    conf.update(settings.get("SEARCHINDEX") or {})
    if not conf["dir"]:
        conf["dir"] = str(Path(settings["OUTPUT_PATH"]) / "_search")
    try:
        layout.check_site(conf["site"])
    except ValueError as exc:
        raise IndexBuildFailed(f"SEARCHINDEX 设置有误：{exc}") from None
    conf["site_name"] = str(settings.get("SITENAME") or conf["site"])
    return conf


def site_of(article: Any, conf: dict[str, Any]) -> str:
    """The site that publishes ``article``: its own ``site`` when the cluster set one, else ours."""
    return str(getattr(article, "site", None) or conf["site"])


def html_to_text(value: str) -> str:
    """Plain text of sanitised document HTML, one line per block.

    Line breaks inside a block are soft wraps of the Markdown source: between Chinese characters
    they vanish (as when the page is read), elsewhere they become a space.
    """
    value = _SOFT_CJK.sub(r"\1", value or "").replace("\n", " ")
    text = _TAG.sub("", _BLOCK.sub("\n", value))
    lines = (_SPACE.sub(" ", line).strip() for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def _flatten(value: Any, fieldspec: schema.Field | None, registry: Any) -> list[str]:
    """Searchable strings of a structured front-matter value (lists and records of text)."""
    if fieldspec is not None and (fieldspec.kind in _SKIP_KINDS or not fieldspec.searchable):
        return []
    if fieldspec is not None and fieldspec.kind == "dept":
        dept = registry.get(str(value)) if registry is not None and value else None
        return [dept.name] if dept else []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        subs = {f.key: f for f in (fieldspec.item_fields if fieldspec else ())}
        return [s for k, v in value.items() for s in _flatten(v, subs.get(k), registry)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _flatten(v, fieldspec, registry)]
    return []


def _naive(value: Any) -> dt.datetime | None:
    # Dates are county-local; Whoosh stores naive datetimes, and the offset carries no information
    if isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute)
    return None


def _content_html(article: Any) -> str:
    """The article's HTML as read, before Pelican rewrites intra-site links.

    Safe to call while other files are still being read (``article.content`` would try to resolve
    links to documents not read yet); the rewriting only touches attribute values, which
    ``html_to_text`` drops, so the text is the same.
    """
    return getattr(article, "_content", None) or ""


def _summary_html(article: Any) -> str:
    """``article.summary`` computed the way Pelican does, on ``_content_html``.

    ``article.summary`` itself is memoised on first use; calling it before every file is read
    would memoise unresolved links for the theme.
    """
    if "summary" in article.metadata:
        return article.metadata["summary"]
    settings = article.settings
    content = _content_html(article)
    if settings.get("SUMMARY_MAX_PARAGRAPHS") is not None:
        content = truncate_html_paragraphs(content, settings["SUMMARY_MAX_PARAGRAPHS"])
    if settings.get("SUMMARY_MAX_LENGTH") is not None:
        content = truncate_html_words(content, settings["SUMMARY_MAX_LENGTH"],
                                      settings.get("SUMMARY_END_SUFFIX", "…"))
    return strip_toc_elements_from_html(content)


def article_document(article: Any, sections: dict[str, str], registry: Any = None,
                     site: tuple[str, str] = (F.DEFAULT_SITE, "")) -> Document:
    """The search document of one Pelican article read by the yamlmeta reader.

    Needs only what the reader set: it runs as soon as the article is read. ``site``: the id and
    name of the site whose index gets it.
    """
    doc_type = schema.DOC_TYPES_BY_NAME.get(getattr(article, "doctype", ""), schema.PAGE)
    url = str(article.url)
    # fixed pages belong to the section of their first path segment (pages/xxgk/zn.md → xxgk)
    section = doc_type.section or (url.split("/", 1)[0] if "/" in url else "")
    if section not in sections:
        section = ""
    extra = []
    for f in doc_type.fields:
        if f.key in _SKIP_KEYS:
            continue
        attr = {"status": "project_status", "author": "byline"}.get(f.key, f.key)
        extra.extend(_flatten(getattr(article, attr, None), f, registry))
    dept = getattr(article, "dept", None)
    summary = _summary_html(article) or ""
    return Document(
        path=str(getattr(article, "relpath", "") or article.relative_source_path),
        url="/" + url.lstrip("/"),
        title=str(article.title),
        body=html_to_text(_content_html(article)),
        summary=html_to_text(str(summary))[:300],
        section=section,
        section_label=sections.get(section, ""),
        doctype=doc_type.name,
        doctype_label=getattr(article, "doctype_label", doc_type.label),
        dept=getattr(dept, "code", "") or "",
        dept_name=getattr(dept, "name", "") or "",
        topic=str(getattr(article, "topic", "") or ""),
        date=_naive(getattr(article, "date", None)),
        index_no=str(getattr(article, "index_no", "") or ""),
        doc_no=str(getattr(article, "doc_no", "") or ""),
        keywords=[str(k) for k in getattr(article, "keywords", None) or []],
        extra="\n".join(extra),
        site=site[0],
        site_name=site[1],
    )


def department_document(dept: Any, sections: dict[str, str],
                        site: tuple[str, str] = (F.DEFAULT_SITE, "")) -> Document:
    """The search document of one department page (/jg/<code>.html)."""
    leaders = [f"{le.title} {le.name} {le.portfolio}" for le in getattr(dept, "leaders", ())]
    body = "\n".join([*dept.duties, *leaders, f"办公地址：{dept.address}",
                      f"办公时间：{dept.hours}", f"联系电话：{dept.phone}"])
    return Document(
        path=f"departments.yml#{dept.code}",
        url="/" + dept.url,
        title=dept.name,
        body=body,
        summary=(dept.duties[0] if dept.duties else "")[:300],
        section="jg" if "jg" in sections else "",
        section_label=sections.get("jg", ""),
        doctype="department",
        doctype_label="机构",
        dept=dept.code,
        dept_name=dept.name,
        extra=" ".join(filter(None, [dept.short_name, dept.org_code, dept.kind])),
        site=site[0],
        site_name=site[1],
    )


def survey_document(survey: Any, sections: dict[str, str], registry: Any = None,
                    site: tuple[str, str] = (F.DEFAULT_SITE, "")) -> Document:
    """The search document of one 网上调查 (``content/surveys/<slug>.yml``, served by formsvc)."""
    dept = registry.get(survey.department) if registry is not None and hasattr(registry, "get") else None
    return Document(
        path=f"{survey_defs.SURVEYS_DIR}/{survey.slug}.yml",
        url=f"/hdjl/surveys/{survey.slug}",
        title=survey.title,
        body="\n".join([survey.intro, *(q.text for q in survey.questions)]),
        summary=survey.intro[:300],
        section="hdjl" if "hdjl" in sections else "",
        section_label=sections.get("hdjl", ""),
        doctype="survey",
        doctype_label="网上调查",
        dept=survey.department,
        dept_name=getattr(dept, "name", ""),
        date=dt.datetime.combine(survey.opens, dt.time()),
        site=site[0],
        site_name=site[1],
    )


def sections_of(settings: dict[str, Any]) -> dict[str, str]:
    """Section codes and labels from ``SECTIONS``, the home page left out."""
    return {code: label for label, _url, code in settings.get("SECTIONS", ()) if code != "home"}


def enabled(settings: dict[str, Any]) -> bool:
    """Whether this build lists the plugin (signal receivers outlive a build in the same process)."""
    return any(str(p).rsplit(".", 1)[-1] == "searchindex" for p in settings.get("PLUGINS") or ())


class IndexBuildFailed(Exception):
    """The search index was not built; the build exits non-zero, the previous index stays live."""

    exitcode = 1


class _Worker:
    """The indexing process (``sitesearch.indexer.stream_build``) and what was sent to it."""

    BATCH = 64  # documents per message: fewer pickles and wake-ups than one at a time

    def __init__(self, conf: dict[str, Any]) -> None:
        global _SPARE
        args = (str(conf["dir"]), conf["site"], bool(conf["full"]), int(conf["limitmb"]), int(conf["keep"]))
        if _SPARE is not None:  # forked before the build started: it waits for these settings
            self.inbox, self._answer, self.proc = _SPARE
            _SPARE = None
            self.inbox.put(args)
        else:
            # spawn, not fork: Pelican's console runs a spinner thread, and a forked child could
            # inherit a lock that thread holds
            ctx = multiprocessing.get_context("spawn")
            self.inbox = ctx.Queue()  # put() never blocks: a feeder thread writes to the pipe
            self._answer, send = ctx.Pipe(duplex=False)
            self.proc = ctx.Process(target=stream_build, name="searchindex", daemon=True,
                                    args=(*args, self.inbox, send, os.getpid()))
            self.proc.start()
            send.close()
        # When the build stops early the feeder thread can be stuck writing to a full pipe that
        # nobody reads any more; nothing it holds is wanted then, so exiting must not wait for it.
        # A finished build loses nothing: the worker answers only after reading END.
        self.inbox.cancel_join_thread()
        self.sent: set[str] = set()
        self._batch: list[Document] = []

    def add(self, doc: Document) -> None:
        self._batch.append(doc)
        self.sent.add(doc.path)
        if len(self._batch) >= self.BATCH:
            self._flush()

    def add_pickled(self, path: str, data: bytes) -> None:
        """A document already pickled (the incremental build's cache keeps them so)."""
        self._batch.append(data)
        self.sent.add(path)
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            self.inbox.put((DOCS, self._batch))
            self._batch = []

    def end(self, paths: list[str], rest: list[Document]) -> None:
        """Every path the site has, in order, and the documents not sent yet."""
        self._flush()
        self.inbox.put((END, (paths, rest)))

    def result(self) -> tuple[str, str]:
        """Wait for the worker: ("ok", report) or ("error", message)."""
        try:
            answer = self._answer.recv()
        except EOFError:
            self.proc.join()
            answer = ("error", f"索引进程异常退出（退出码 {self.proc.exitcode}）")
        self.proc.join()
        self.inbox.close()
        self.inbox.join_thread()
        return answer

    def stop(self) -> None:
        """The build failed elsewhere: end the worker without publishing anything."""
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.inbox.close()


_WORKER: _Worker | None = None
_EXIT_HOOKED = False
# (inbox, answer pipe, process) of a writer forked by before_build(), not yet given a build
_SPARE: tuple[Any, Any, Any] | None = None


def _await_settings(inbox: Any, outbox: Any, parent_pid: int) -> None:
    """The spare writer: wait for the build's index settings, then index as a spawned one does."""
    while True:
        try:
            args = inbox.get(timeout=2)
        except queue_module.Empty:
            if os.getppid() != parent_pid:  # the build is gone without needing an index
                return
            continue
        if args is None:
            return
        stream_build(*args, inbox, outbox, parent_pid)
        return


def before_build() -> None:
    """Fork the index writer now, while this process has one thread and before Pelican starts.

    ``portal.cluster.forkserver`` calls it in each site's build process: the process has Pelican,
    the plugins and ``sitesearch`` imported already, so a writer forked here pays neither an
    interpreter's start nor the imports (a spawned one costs about 0.3 CPU-seconds a site), and no
    thread of Pelican's exists yet whose lock it could inherit. A build that needs no writer
    leaves it to the exit hook.
    """
    global _SPARE
    ctx = multiprocessing.get_context("fork")
    inbox = ctx.Queue()
    answer, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_await_settings, name="searchindex", daemon=True,
                       args=(inbox, send, os.getpid()))
    proc.start()
    send.close()
    _SPARE = (inbox, answer, proc)
    _hook_exit()


def _stop_spare() -> None:
    global _SPARE
    spare, _SPARE = _SPARE, None
    if spare is not None:
        inbox, _answer, proc = spare
        inbox.put(None)
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
        inbox.close()


def _stop_worker() -> None:
    """End the worker a failed or interrupted build left running; nothing is published."""
    global _WORKER
    worker, _WORKER = _WORKER, None
    if worker is not None:
        worker.stop()


def _at_exit() -> None:
    _stop_worker()
    _stop_spare()


def _hook_exit() -> None:
    global _EXIT_HOOKED
    if not _EXIT_HOOKED:
        # Registered after multiprocessing's own exit hook, so it runs first: a build that
        # raised ends its worker here rather than leaving multiprocessing to find it.
        atexit.register(_at_exit)
        _EXIT_HOOKED = True


def _start_worker(conf: dict[str, Any]) -> _Worker:
    global _WORKER
    _WORKER = _Worker(conf)
    _hook_exit()
    return _WORKER


class _Interruptions:
    """SIGINT and SIGTERM during a build: a message and exit status 1, the worker ended at exit.

    Installed at ``initialized`` and removed when the build has finished; only the main thread
    may install handlers, so a build in another thread keeps its host's handling.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.previous: dict[int, Any] = {}

    def guard(self) -> None:
        """Take over SIGINT and SIGTERM for this build (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in self.SIGNALS:
            self.previous.setdefault(sig, signal.signal(sig, self.interrupted))

    def release(self) -> None:
        """Give the signals back to the handlers they had before the build."""
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous.clear()

    def interrupted(self, signum: int, frame: Any) -> None:
        """The signal handler: say what happened and exit with status 1."""
        # Only log and leave: the main thread may hold the queue's lock, so the worker is ended
        # by the exit hook once the stack has unwound. SystemExit passes Pelican's handlers,
        # which exit 0 on KeyboardInterrupt and would log any Exception as one unreadable file.
        self.release()
        log.error("%s 生成被中断（%s），网站未生成完整，搜索索引未更新", PREFIX,
                  signal.Signals(signum).name)
        raise SystemExit(1)


_INTERRUPTIONS = _Interruptions()


def _reset(pelican: Any = None) -> None:
    """A build starts: end what a failed build in this process left, guard this one's signals."""
    _stop_worker()
    _INTERRUPTIONS.release()
    if pelican is not None and enabled(pelican.settings):
        settings_of(pelican.settings)  # a bad setting stops the build before anything is read
        _INTERRUPTIONS.guard()


def article_read(content: Any) -> None:
    """Each article, as soon as it is read: its search document goes to the worker."""
    settings = getattr(content, "settings", None) or {}
    if (not isinstance(content, Article) or not getattr(content, "doctype", None)
            or getattr(content, "status", "") != "published" or not enabled(settings)):
        return
    conf = settings_of(settings)
    if not conf["background"] or site_of(content, conf) != conf["site"]:
        return
    worker = _WORKER or _start_worker(conf)
    registry = getattr(content, "_context", {}).get("departments")

    def make() -> Document:
        return article_document(content, sections_of(settings), registry, (conf["site"], conf["site_name"]))

    # an incremental build (plugins/incremental) keeps each file's search document, pickled:
    # sent as it is kept (a document's path is its relpath)
    cache = incremental.ACTIVE.reader
    relpath = getattr(content, "relpath", None)
    if cache is not None and relpath:
        worker.add_pickled(relpath, cache.search_document(relpath, make))
    else:
        worker.add(make())


class SearchIndexGenerator:
    """Runs after every other generator has read its content; writes no page."""

    def __init__(self, context: dict[str, Any], settings: dict[str, Any], path: str, theme: str,
                 output_path: str, *args: Any, **kwargs: Any) -> None:
        self.context = context
        self.settings = settings

    def generate_context(self) -> None:
        """Read nothing: the documents come from the other generators."""
        pass

    def generate_output(self, writer: Any) -> None:
        """Tell the worker which documents the site has (the writer is not needed: no page)."""
        if not enabled(self.settings):
            return
        conf = settings_of(self.settings)
        sections = sections_of(self.settings)
        registry = self.context.get("departments")
        site = (conf["site"], conf["site_name"])
        # another site's documents that this one lists are in that site's index
        articles = [a for a in self.context.get("articles", [])
                    if getattr(a, "doctype", None) and site_of(a, conf) == site[0]]
        depts = ([department_document(d, sections, site) for d in registry or []]
                 if conf["departments"] else [])
        if conf["departments"]:  # the county portal: formsvc serves its surveys
            depts += [survey_document(sv, sections, registry, site) for sv in survey_defs.load(
                Path(self.settings["PATH"]), [d.code for d in registry or []]).values()]
        if not conf["background"] or _WORKER is None:
            docs = [article_document(a, sections, registry, site) for a in articles] + depts
            try:
                report = build(conf["dir"], docs, site=site[0], full=bool(conf["full"]),
                               limitmb=int(conf["limitmb"]), keep=int(conf["keep"]))
            except Exception as exc:
                raise _failed(conf, f"{type(exc).__name__}: {exc}") from exc
            log.info("%s %s (%s)", PREFIX, report, conf["dir"])
            return
        paths = [str(getattr(a, "relpath", "") or a.relative_source_path) for a in articles]
        rest = [article_document(a, sections, registry, site)
                for a, path in zip(articles, paths, strict=True) if path not in _WORKER.sent]
        _WORKER.end(paths + [d.path for d in depts], rest + depts)


def _failed(conf: dict[str, Any], message: str) -> IndexBuildFailed:
    log.error("%s index not updated, the previous one stays live: %s", PREFIX, message)
    return IndexBuildFailed(f"搜索索引生成失败，原索引继续使用（{conf['dir']}）：{message}")


def finished(pelican: Any) -> None:
    """After every page is written: wait for the index, fail the build if it failed."""
    global _WORKER
    worker = _WORKER
    if worker is None:
        _INTERRUPTIONS.release()
        return
    waited = time.perf_counter()
    kind, message = worker.result()  # until it answers, an interruption leaves it to the exit hook
    _WORKER = None
    _INTERRUPTIONS.release()
    waited = time.perf_counter() - waited
    conf = settings_of(pelican.settings)
    if kind != "ok":
        raise _failed(conf, message)
    # what the overlap achieved: the build waited only `waited` for the index after its pages
    own = resource.getrusage(resource.RUSAGE_SELF)
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.info("%s %s (%s); worker CPU %.1f s, Pelican CPU %.1f s, waited %.1f s after the pages",
             PREFIX, message, conf["dir"], child.ru_utime + child.ru_stime,
             own.ru_utime + own.ru_stime, waited)


def get_generators(pelican: Any) -> type | None:
    """Pelican's hook: the index generator, when this build lists the plugin."""
    return SearchIndexGenerator if enabled(pelican.settings) else None


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(_reset)
    signals.get_generators.connect(get_generators)
    signals.content_object_init.connect(article_read)
    signals.finalized.connect(finished)
