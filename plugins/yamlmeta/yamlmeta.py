"""Pelican plugin ``yamlmeta``: read our Markdown with YAML front matter into typed documents.

Each file's type comes from its folder (``portal.schema``). The reader keeps structured fields
(lists, mappings) as YAML gave them, sets the URL and template of the type, resolves department
codes, sanitises the HTML, and validates every document with ``portal.check`` while reading it, so
the build fails with the same ``path:line: message`` lines as ``scripts/check``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import markdown
from pelican import signals
from pelican.readers import BaseReader
from pelican.urlwrappers import Author
from pelican.utils import SafeDatetime

from formsvc import config as formsvc_config
from formsvc.domain import kinds
from portal import columns as portal_columns
from portal import departments, freshness, frontmatter, report, schema, vocab
from portal.cluster import incremental
from portal.sanitize import sanitize

log = logging.getLogger(__name__)
PREFIX = "yamlmeta:"

# Front-matter keys that mean something else to Pelican: ``status`` would make a project a draft
# and ``author`` must be an Author object in feeds. Templates read the renamed attributes.
ATTRIBUTE_RENAMES = {"status": "project_status", "author": "byline"}

# The signature block of an official document (GB/T 9704): the issuing office on a short line of
# its own, then the date of writing, at the end of the text, optionally followed by a note in
# brackets ("（此件公开发布）"). Marked so the theme sets it right-aligned and without indent.
_SIGNATURE = re.compile(
    r"(?:<p>(?P<office>[^<。，；：！？,;:]{2,40})</p>\s*)?"
    r"<p>(?P<date>(?:\d{4}|[〇一二三四五六七八九零]{4})年[\d〇一二三四五六七八九十]{1,3}月[\d〇一二三四五六七八九十]{1,3}日)</p>"
    r"(?P<note>\s*<p>（[^<]{1,40}）</p>)?\s*$")


class BuildState:
    """What the plugin learns during one build (reset on every ``initialized``)."""

    def __init__(self) -> None:
        self.content_dir: Path | None = None
        self.root: Path | None = None
        self.registry: departments.Registry = departments.Registry([])
        # content/columns.yml of the tree being built (portal.columns)
        self.columns: portal_columns.Columns | None = None
        self.site: Any = None  # portal.check.Site when the checker is available
        self.documents: list[tuple[str, frontmatter.Document]] = []
        self.problems: list[Any] = []
        # formsvc.domain.kinds with formsvc's effective config (instance file, FORMSVC_* variables): the
        # pages state the limits the service applies
        self.message_kinds: dict[str, Any] = {}
        # the one author of every document (the site's AUTHOR), see metadata_for
        self.author: Author | None = None
        self.categories: dict[str, Any] = {}  # the Category of each name, see metadata_for


STATE = BuildState()


def _checker():
    try:
        from portal import check
    except ImportError:  # the checker is optional for the reader to work
        return None
    return check


def mark_signature(html: str) -> str:
    """Give the closing office and date of a document the class gp-signature (see _SIGNATURE)."""
    m = _SIGNATURE.search(html)
    if m is None:
        return html
    office = f'<p class="gp-signature">{m["office"]}</p>\n' if m["office"] else ""
    return (html[:m.start()] + office + f'<p class="gp-signature">{m["date"]}</p>'
            + (m["note"] or "") + "\n")


# A format of C89 directives only (no ``%-d``): Pelican's strftime (a regular expression and a
# strftime per directive, 24 µs) gives what datetime's own gives
_PELICAN_ONLY = re.compile(r"%-|%[^aAbBcdfGHIjmMpSUuVwWxXyYzZ%]|%$")


@lru_cache(maxsize=32)
def _plain_format(fmt: str) -> bool:
    return _PELICAN_ONLY.search(fmt) is None


class DocumentDate(SafeDatetime):
    """A document's date: formatted by datetime itself when Pelican's strftime would give the same
    (Pelican formats every document's ``locale_date`` when it makes its content object)."""

    def strftime(self, fmt: str, safe: bool = True) -> str:
        if safe and _plain_format(fmt):
            return dt.datetime.strftime(self, fmt)
        return super().strftime(fmt, safe)


def localised(date: SafeDatetime, tz_name: str | None) -> SafeDatetime:
    """``date`` in the site's time zone as Pelican's ``set_date_tzinfo`` makes it, but a
    ``DocumentDate`` (Pelican keeps a date that has a zone as it is)."""
    if not tz_name or date.tzinfo is not None:
        return date
    return DocumentDate(date.year, date.month, date.day, date.hour, date.minute, date.second,
                        date.microsecond, ZoneInfo(tz_name))


_PLAIN_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?")


def to_datetime(value: Any) -> SafeDatetime | None:
    """YAML dates, datetimes and 'YYYY-MM-DD HH:MM' strings; None when unreadable."""
    if isinstance(value, dt.datetime):
        return SafeDatetime(value.year, value.month, value.day, value.hour, value.minute)
    if isinstance(value, dt.date):
        return SafeDatetime(value.year, value.month, value.day)
    if isinstance(value, str):
        # what editors write, read without strptime (20 µs a document); anything else below
        plain = _PLAIN_DATE.fullmatch(value.strip())
        if plain:
            try:
                return SafeDatetime(*(int(part) for part in plain.groups() if part is not None))
            except ValueError:
                return None
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                return SafeDatetime.strptime(value.strip(), fmt)
            except ValueError:
                continue
    return None


class YamlMarkdownReader(BaseReader):
    """Markdown with YAML front matter, typed by folder."""

    enabled = True
    # Pelican's own Markdown reader would take .markdown/.mkd/.mdown unchecked; this reader takes
    # them and skips them: scripts/check reads .md only and reports the others as stray files
    file_extensions = ["md", "markdown", "mkd", "mdown"]

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__(settings)
        self._markdown: markdown.Markdown | None = None
        # each folder Pelican names: resolved, and relative to content/ ("" for content/ itself)
        self._folders: dict[str, tuple[Path, str]] = {}
        self._content_dir = Path(settings["PATH"]).resolve()

    @property
    def _md(self) -> markdown.Markdown:
        """The Markdown converter, made on first use: Pelican makes this reader for each of its
        generators and extensions (20 a build, 2.5 ms each), and an incremental build converts
        only the documents that changed."""
        if self._markdown is None:
            md_settings = self.settings.get("MARKDOWN", {})
            self._markdown = markdown.Markdown(
                extensions=list(md_settings.get("extension_configs", {}).keys()),
                extension_configs=md_settings.get("extension_configs", {}),
                output_format=md_settings.get("output_format", "html5"),
            )
        return self._markdown

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        """Parse and check one file; its sanitised HTML and metadata (a skipped stub on errors)."""
        # the folder resolved, not the file: a broken symbolic link is reported, not a crash
        # (once per folder: resolving, or a path's relative_to, cost as much as reading a cached
        # document)
        folder, name = os.path.split(source_path)
        known = self._folders.get(folder)
        if known is None:
            resolved = Path(folder).resolve()
            inside = resolved.relative_to(self._content_dir).as_posix()
            known = self._folders[folder] = (resolved, "" if inside == "." else inside + "/")
        path = known[0] / name
        relpath = known[1] + name
        doc_type = schema.doc_type_for(relpath)
        if not relpath.endswith(".md"):  # reported by check_stray_files
            return "", {"status": "skip", "title": relpath}
        check = _checker()
        cache = incremental.ACTIVE.reader if check is not None and STATE.site is not None else None
        html = None
        if check is not None and STATE.site is not None:
            # the same reading and rules as scripts/check, so the two never disagree; an
            # incremental build reuses the last build's answer for a file whose bytes are the same
            if cache is not None:
                checked, html = cache.check(path, relpath, STATE.site, check.check_file)
                doc, problems = checked.doc, checked.problems
            else:
                doc, problems = check.check_file(path, STATE.site, relpath)
            STATE.problems.extend(problems)
        else:
            try:
                doc = frontmatter.parse(path)
            except (frontmatter.FrontMatterError, ValueError) as exc:
                _record_problem(relpath, getattr(exc, "line", 1), str(exc))
                doc = None
            if doc_type is None:
                _record_problem(relpath, 1, "文件不在任何内容类型的目录下，无法确定类型")
        if doc is None or doc_type is None:
            # Pelican drops content whose status is "skip"; the build fails at the end anyway.
            return "", {"status": "skip", "title": relpath}
        STATE.documents.append((relpath, doc))

        try:
            if html is not None:
                content = html
            else:
                self._md.reset()
                content = mark_signature(sanitize(self._md.convert(doc.body)))
                if cache is not None:
                    cache.remember_html(relpath, content)
            return content, self.metadata_for(doc_type, relpath, doc.meta)
        except Exception as exc:  # Pelican would log it and publish the site without this page
            _record_problem(relpath, 1, f"无法生成这篇文档的页面（{type(exc).__name__}: {exc}）")
            return "", {"status": "skip", "title": relpath}

    def metadata_for(
        self, doc_type: schema.DocType, relpath: str, meta: dict[str, Any]
    ) -> dict[str, Any]:
        """Pelican metadata of one document: its fields plus what the theme needs."""
        out: dict[str, Any] = {}
        for key, value in meta.items():
            out[ATTRIBUTE_RENAMES.get(key, key)] = value
        # Pelican would give each document an Author of its own from AUTHOR, and each works out
        # its slug (unidecode, regular expressions) when the articles are grouped: 1,000 times
        # the same name, 0.05 CPU-s of a 1,000-document build. One Author for the build instead.
        name = self.settings.get("AUTHOR")
        if name:
            if STATE.author is None or STATE.author.name != name:
                STATE.author = Author(name, self.settings)
            out["author"] = STATE.author
        out["doctype"] = doc_type.name
        out["doctype_label"] = doc_type.label
        out["template"] = doc_type.template
        out["relpath"] = relpath
        out["slug"] = schema.slug_for(doc_type, relpath)
        url = schema.url_for(doc_type, relpath, meta)
        out["url"] = url
        out["save_as"] = url
        # one Category per name for the build, like the Author above (each slugifies its name)
        category = doc_type.section or "pages"
        if category not in STATE.categories:
            STATE.categories[category] = self.process_metadata("category", category)
        out["category"] = STATE.categories[category]
        raw_date = meta.get(doc_type.date_field)
        date = to_datetime(raw_date)
        # a date without a time is shown without one (not as an invented 00:00)
        out["date_has_time"] = isinstance(raw_date, dt.datetime) or (
            isinstance(raw_date, str) and ":" in raw_date)
        if date is None and doc_type is schema.PAGE:
            # fixed pages may omit a date; the file's own time is the honest fallback
            mtime = (self._content_dir / relpath).stat().st_mtime
            date = SafeDatetime.fromtimestamp(mtime).replace(second=0, microsecond=0)
        if date is not None:
            out["date"] = localised(date, self.settings.get("TIMEZONE"))
        dept_code = meta.get("publisher") or meta.get("department")
        out["dept"] = STATE.registry.get(str(dept_code)) if dept_code else None
        if doc_type is schema.NEWS:
            declared = STATE.columns or portal_columns.load(self._content_dir)
            out["column_label"] = declared.news.get(str(meta.get("column")), "")
        if "summary" in meta and meta["summary"] is not None:
            out["summary"] = str(meta["summary"]).strip()
        return out


def _record_problem(relpath: str, line: int, message: str) -> None:
    check = _checker()
    path = f"content/{relpath}"
    if check is not None:
        STATE.problems.append(check.Problem(path, line, message))
    else:
        STATE.problems.append(f"{path}:{line}: {message}")


class _NoContentTraceback(logging.Filter):
    """Pelican logs the exception that ends a build with its traceback; for content errors the
    lines above already say everything, so the last line is the sentence alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ContentError):
            record.exc_info = None
            record.exc_text = None
        return True


def plain_logging() -> None:
    """One line per message when the output is not a terminal (a pipe, a log file, CI).

    Pelican's rich handler wraps every message at 80 columns there, which breaks each
    ``path:line: message`` over several lines; it is swapped for a plain handler on the same
    stream. Content errors never end in a traceback, terminal or not.
    """
    root = logging.getLogger()
    for i, handler in enumerate(list(root.handlers)):
        console = getattr(handler, "console", None)  # rich.logging.RichHandler
        if console is not None and not console.is_terminal:
            plain = logging.StreamHandler(console.file)
            plain.setLevel(handler.level)
            plain.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
            for f in handler.filters:
                plain.addFilter(f)
            root.handlers[i] = plain
            handler = plain
        if not any(isinstance(f, _NoContentTraceback) for f in handler.filters):
            handler.addFilter(_NoContentTraceback())


def initialized(pelican) -> None:
    """Load the registry once per build and reset the plugin's state."""
    global STATE
    plain_logging()
    STATE = BuildState()
    content_dir = Path(pelican.settings["PATH"]).resolve()
    STATE.content_dir = content_dir
    STATE.root = content_dir.parent
    try:
        STATE.registry = departments.load(content_dir)
    except frontmatter.FrontMatterError as exc:
        _record_problem(schema.DEPARTMENTS_FILE, exc.line, exc.message)
    STATE.message_kinds = kinds.in_effect(formsvc_config.load())
    STATE.columns = portal_columns.load(content_dir)
    check = _checker()
    if check is not None:
        STATE.site = check.Site(content_dir, STATE.registry, root=content_dir.parent)
        STATE.problems.extend(check.check_registry(content_dir, root=content_dir.parent))
        STATE.problems.extend(check.check_columns(content_dir, root=content_dir.parent))
        STATE.problems.extend(check.check_surveys(content_dir, root=content_dir.parent))
        STATE.problems.extend(check.check_stray_files(STATE.site))


def add_readers(readers) -> None:
    """Read .md and .markdown with this reader instead of Pelican's."""
    for ext in YamlMarkdownReader.file_extensions:
        readers.reader_classes[ext] = YamlMarkdownReader


def add_context(generator) -> None:
    """Give every template the registry, the columns, the fixed lists and the message kinds' time limits."""
    generator.context["departments"] = STATE.registry
    generator.context["columns"] = STATE.columns
    generator.context["vocab"] = vocab
    generator.context["doc_types"] = schema.DOC_TYPES_BY_NAME
    generator.context["message_kinds"] = STATE.message_kinds


class ContentError(Exception):
    """The content tree has errors; raised so the build exits non-zero."""

    exitcode = 1


def articles_read(generator) -> None:
    """After every file is read: cross-document checks, link replacements, then fail or go on."""
    check = _checker()
    if check is not None and STATE.site is not None:
        STATE.problems.extend(check.check_site(STATE.documents, STATE.site))
    by_index_no = {
        a.index_no: a for a in generator.articles if getattr(a, "doctype", "") == "disclosure"
    }
    # Which fixed pages exist, so templates only link to pages the build writes; set here
    # because article pages are written before any list page.
    generator.context["site_pages"] = frozenset(
        a.url for a in generator.articles if getattr(a, "doctype", "") == "page"
    )
    content_dir = Path(generator.settings["PATH"]).resolve()
    for article in generator.articles:
        ref = getattr(article, "replaced_by", None)
        article.replaced_by_doc = by_index_no.get(ref) if ref else None
        # annual report pages: the generated tables at their markers (portal/report.py)
        relpath = getattr(article, "relpath", None) or \
            Path(article.source_path).resolve().relative_to(content_dir).as_posix()
        article._content = report.fill_page(relpath, article._content, STATE.documents,
                                            content_dir)
    # Pelican lists every category's and author's articles with a scan of all articles per
    # entry (quadratic: ~4 s of CPU at 10,000 documents) even when their pages are switched off,
    # as they are here (CATEGORY_SAVE_AS = AUTHOR_SAVE_AS = ""); nothing else reads the lists.
    if not generator.settings.get("CATEGORY_SAVE_AS"):
        generator.categories = []
    if not generator.settings.get("AUTHOR_SAVE_AS"):
        generator.authors = []

    errors = [p for p in STATE.problems if getattr(p, "severity", "error") == "error"]
    warnings = [p for p in STATE.problems if getattr(p, "severity", "error") == "warning"]
    for problem in sorted(warnings, key=str):
        log.warning("%s %s", PREFIX, problem)
    note = freshness.demo_note(STATE.content_dir) if warnings and STATE.content_dir else ""
    if note:
        log.warning("%s %s", PREFIX, note)
    for problem in sorted(errors, key=str):
        log.error("%s %s", PREFIX, problem)
    # Documents are only needed for the cross-document checks; free their YAML trees.
    STATE.documents = []
    if errors:
        raise ContentError(f"内容有 {len(errors)} 处错误，未生成网站；请按上面的提示修改，或运行 scripts/check")


def _no_file_stamps(generator: Any) -> None:
    """Pelican takes each document's file time four times a build for its content cache (the
    generator's and its readers': one when looking up, one when storing), even when the cache is
    off, as it is here (CACHE_CONTENT = LOAD_CONTENT_CACHE = False): with nothing loaded and
    nothing stored, no stamp is ever compared (0.04 CPU-s of a 1,000-document build)."""
    for cacher in (generator, getattr(generator, "readers", None)):
        if (cacher is not None and not getattr(cacher, "_cache_data_policy", True)
                and getattr(cacher, "_cache", None) == {}):
            cacher._get_file_stamp = _no_stamp


def _no_stamp(filename: str) -> str:
    return ""


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(initialized)
    signals.article_generator_init.connect(_no_file_stamps)
    signals.page_generator_init.connect(_no_file_stamps)
    signals.readers_init.connect(add_readers)
    signals.generator_init.connect(add_context)
    signals.article_generator_finalized.connect(articles_read)
