"""Pelican plugin ``catalogs``: every list page of the portal.

A Generator that, after all documents are read, writes the home page, the 政务动态 column lists,
the 信息公开 catalog and its facets (主题分类, 发布机构, 年度), the 办事服务 browse pages and
printable materials checklists, the 招商引资 project lists by industry, the 机构设置 pages, the
human sitemap and the 404 page. Articles are grouped once, in one pass over the newest-first list
Pelican already sorted, so no page re-scans or re-sorts the corpus.

Settings: ``CATALOGS`` (a dict, see DEFAULTS) in pelicanconf.py; everything else comes from the
content model (portal.schema, portal.vocab) and the departments registry.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pelican import signals
from pelican.generators import Generator

from portal import columns as portal_columns
from portal import departments, listing, vocab
from portal.cluster import incremental
from portal.cluster import manifest as cluster_manifest
from portal.listing import LIFE_EVENT_AUDIENCE

from . import participation

log = logging.getLogger(__name__)
PREFIX = "catalogs:"

DEFAULTS: dict[str, Any] = {
    "news_per_page": 20,  # 政务动态 column lists
    "catalog_per_page": 20,  # 信息公开目录 and its facet pages
    "guides_per_page": 30,  # 办事服务 browse pages
    "projects_per_page": 20,  # 招商项目
    "home_items": 8,  # items per block on the home page
    "department_items": 10,  # items per block on a department page
    # the registry's pages (/jg/): the county's; a sub-site links there (portal.cluster.settings)
    "departments": True,
    # the home page's template: a sub-site's is "subsite_home" (its blocks, no county-wide ones)
    "home_template": "home",
    # sections (bsfw, zsyz, hd) this build writes no list pages for: a sub-site without documents
    # of theirs, whose menu and site map link to the county's (portal.sites.county_sections); the
    # county writes them all, empty or not (formsvc's 互动交流 page links /hd/)
    "county_sections": [],
    # slugs of guides shown first on the home and 办事服务 pages (高频事项); the newest fill the rest
    "popular_guides": [],
}

# The fixed pages of 信息公开 (content/pages/xxgk/…) in the order the section page lists them.
XXGK_PAGES = (
    ("xxgk/zn.html", "政府信息公开指南", "公开的范围、方式、途径和受理机构"),
    ("xxgk/zd.html", "政府信息公开制度", "主动公开、依申请公开、保密审查等制度"),
)
XXGK_REPORTS_PREFIX = "xxgk/nb/"


class CatalogUrls:
    """Site-relative paths (leading slash, SITEURL in front) of every list page, for templates."""

    def __init__(self, siteurl: str) -> None:
        self.base = siteurl.rstrip("/")

    def href(self, path: str) -> str:
        """Link to a save_as-style path: "zwdt/yw/index.html" → "/zwdt/yw/"."""
        if path.endswith("index.html"):
            path = path[: -len("index.html")]
        return f"{self.base}/{path}"

    def folder(self, kind: str, value: Any) -> str:
        """The save_as folder of a list page, e.g. ("topic", "综合政务") → "xxgk/ml/zt/01/"."""
        return listing.folder(kind, value)

    def link(self, kind: str, value: Any) -> str:
        """``folder`` as a link for templates: "/xxgk/ml/zt/01/"."""
        return self.href(self.folder(kind, value))

    def checklist(self, article: Any) -> str:
        """The printable materials checklist of a guide: bsfw/zn/<slug>-qd.html."""
        return article.url[: -len(".html")] + "-qd.html"


def catalog_row(a: Any, base: str) -> dict[str, Any]:
    """One row of the 信息公开目录 table."""
    dept = getattr(a, "dept", None)
    return {
        "index_no": a.index_no,
        "title": a.title,
        "href": f"{base}/{a.url}",
        "doc_no": getattr(a, "doc_no", None) or "",
        "publisher": dept.name if dept is not None else getattr(a, "publisher", ""),
        "written": _fmt_date(getattr(a, "written", None)),
        "date": _fmt_date(a.date),
        "validity": a.validity,
    }


def _fmt_date(value: Any) -> str:
    """YYYY-MM-DD; by hand because Pelican's SafeDatetime.strftime is slow at 10,000 documents."""
    if not value:
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


class Index:
    """Every grouping the list pages need, built in one pass over the newest-first articles."""

    def __init__(self, articles: Sequence[Any]) -> None:
        self.by_type: dict[str, list[Any]] = defaultdict(list)
        self.news_by_column: dict[str, list[Any]] = defaultdict(list)
        self.docs_by_topic: dict[str, list[Any]] = defaultdict(list)
        self.docs_by_publisher: dict[str, list[Any]] = defaultdict(list)
        self.docs_by_year: dict[int, list[Any]] = defaultdict(list)
        self.guides_by_dept: dict[str, list[Any]] = defaultdict(list)
        self.guides_by_item_type: dict[str, list[Any]] = defaultdict(list)
        self.guides_by_audience: dict[str, list[Any]] = defaultdict(list)
        self.guides_by_event: dict[str, list[Any]] = defaultdict(list)
        self.projects_by_industry: dict[str, list[Any]] = defaultdict(list)
        self.investment_by_kind: dict[str, list[Any]] = defaultdict(list)
        # everything a department page lists, keyed by department code, then by doctype
        self.by_dept: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.pages_by_url: dict[str, Any] = {}

        # the county's 45,000 sub-sites' entries are all 信息公开 documents: their case first,
        # with the groups bound to names (a third of the loop's time)
        by_type, by_dept = self.by_type, self.by_dept
        by_topic, by_publisher, by_year = self.docs_by_topic, self.docs_by_publisher, self.docs_by_year
        for a in articles:
            doctype = getattr(a, "doctype", "")
            by_type[doctype].append(a)
            dept = getattr(a, "dept", None)
            if doctype == "disclosure":
                by_topic[a.topic].append(a)
                if dept is not None:
                    by_dept[dept.code][doctype].append(a)
                    by_publisher[dept.code].append(a)
                by_year[a.date.year].append(a)
                continue
            if dept is not None and doctype != "page":
                by_dept[dept.code][doctype].append(a)
            if doctype == "news":
                self.news_by_column[a.column].append(a)
            elif doctype == "guide":
                if dept is not None:
                    self.guides_by_dept[dept.code].append(a)
                self.guides_by_item_type[a.item_type].append(a)
                for aud in getattr(a, "audience", None) or ():
                    self.guides_by_audience[aud].append(a)
                for event in getattr(a, "life_events", None) or ():
                    self.guides_by_event[event].append(a)
            elif doctype == "project":
                self.projects_by_industry[a.industry].append(a)
            elif doctype == "investment":
                self.investment_by_kind[a.kind].append(a)
            elif doctype == "page":
                self.pages_by_url[a.url] = a


class CatalogGenerator(Generator):
    """Writes the portal's list pages from context["articles"]."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = {**DEFAULTS, **(self.settings.get("CATALOGS") or {})}
        self.urls = CatalogUrls(self.settings.get("SITEURL", ""))
        # templates (of every generator: the context is shared) build list links with this
        self.context["catalog"] = self.urls
        self.context.setdefault("vocab", vocab)
        self._entries: dict[tuple[str, int], dict[str, Any]] = {}
        # a catalogue row's digest by its document's id (an incremental build's list pages)
        self._row_digests: dict[int, Any] = {}

    def generate_context(self) -> None:
        """Read nothing of its own: it lists what the other generators read."""
        if "departments" not in self.context:  # the yamlmeta plugin normally provides it
            self.context["departments"] = departments.load(Path(self.settings["PATH"]))
        if self.context.get("columns") is None:  # likewise content/columns.yml
            self.context["columns"] = portal_columns.load(Path(self.settings["PATH"]))

    # ---- helpers -------------------------------------------------------------------------------

    def _once(self, kind: str, a: Any, make: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        """``make(a)``, computed once per article and kind of item (the preview clears the cache:
        a re-read document is a new object, and an old object's id may be reused)."""
        key = (kind, id(a))
        item = self._entries.get(key)
        if item is None:
            item = self._entries[key] = make(a)
        return item

    def entry(self, a: Any, tag: str = "") -> dict[str, Any]:
        """What a doc_list item needs."""
        e = self._once("entry", a, lambda a: {
            "title": a.title, "href": f"{self.urls.base}/{a.url}", "date": _fmt_date(a.date)})
        return {**e, "tag": tag} if tag else e

    def entries(self, articles: Iterable[Any]) -> list[dict[str, Any]]:
        """``entry`` of each article, in order."""
        return [self.entry(a) for a in articles]

    def guide_entry(self, g: Any) -> dict[str, Any]:
        """A doc_list item of a guide: its type, department, promised limit and visits."""
        def make(g: Any) -> dict[str, Any]:
            dept = g.dept.name if g.dept is not None else g.department
            online = " · 可网上办理" if getattr(g, "online_url", None) else ""
            return {"title": g.title, "href": f"{self.urls.base}/{g.url}", "tag": g.item_type,
                    "summary": f"{dept} · 承诺时限 {g.promised_limit} · 到现场 {g.visits} 次{online}"}
        return self._once("guide", g, make)

    def project_entry(self, p: Any) -> dict[str, Any]:
        """A doc_list item of a 招商项目: status, date and key figures."""
        return self._once("project", p, lambda p: {
            "title": p.title, "href": f"{self.urls.base}/{p.url}", "tag": p.project_status,
            "date": _fmt_date(p.date),
            "summary": f"{p.industry} · 总投资 {p.amount:,} 万元 · {p.cooperation} · {p.location}"})

    def catalog_row(self, a: Any) -> dict[str, Any]:
        """One row of the 信息公开目录 table."""
        return self._once("row", a, lambda a: catalog_row(a, self.urls.base))

    def sidebar(self, facets: list[dict[str, Any]]) -> Markup:
        """The facet sidebar, rendered once and shared by every page of one paginated list."""
        return Markup(self.get_template("partials/_facets").render(facets=facets))

    def write(self, writer: Any, save_as: str, template: str, **kwargs: Any) -> None:
        """Render one list page with the shared context and ``kwargs``."""
        writer.write_file(
            save_as,
            self.get_template(template),
            self.context,
            relative_urls=False,
            paginated={},
            template_name=template,
            catalog_save_as=save_as,
            **kwargs,
        )

    def write_paginated(
        self, writer: Any, folder: str, template: str, items: Sequence[Any], per_page: int,
        shown: Callable[[Any], Any] | None = None, **kwargs: Any,
    ) -> None:
        """Write folder/index.html, folder/index_2.html … with ``page_items`` and ``pagination``
        (``shown``: what a page shows of each item, its catalogue row; made for the pages written).

        In an incremental build a page's digest is made of its list's (what every page of the
        list is given: the shared context, the facets, the pager; computed once a list) and of
        the digests of the items it shows (each computed once a build; a sub-site's catalogue
        row's kept with its manifest, ``keep_rows``): hashing each page's whole input was ≈ 30 %
        of the county's build after a title edit (10,000 pages at 45,000 entries). The facet
        sidebar is rendered from the facets, which the list's digest holds: only for a list
        that has a page to write. A list whose digest (``list_digest``: its list's and all its
        items') is the last build's, its pages' files all there, has every page kept at once
        (the writer's ``keep_list``): after a title edit most of the county's lists."""
        total = len(items)
        num_pages = max(1, -(-total // per_page))
        hrefs = [self.urls.href(folder)] + [
            f"{self.urls.base}/{folder}index_{n}.html" for n in range(2, num_pages + 1)
        ]
        pages = incremental.ACTIVE.pages
        write_page = getattr(writer, "write_page", None)
        if pages is None or write_page is None:
            if "facets" in kwargs:
                kwargs["sidebar"] = self.sidebar(kwargs["facets"])
            for n, save_as, page_items, pagination in self._pages(folder, items, per_page, hrefs):
                self.write(writer, save_as, template, page_items=[shown(x) for x in page_items]
                           if shown is not None else page_items, pagination=pagination,
                           page_number=n, **kwargs)
            return
        # the names every page is given besides the list's: left out of the list's digest (each
        # page's is made of its number, its place in the list and its items' digests)
        own = dict.fromkeys(("page_items", "pagination", "page_number", "catalog_save_as", "sidebar"))
        common = pages.digest(folder, self.get_template(template), self.context, (False, template),
                              {**kwargs, **own, "pager": (hrefs, total, per_page)})
        # every item's digest once; a list whose digest (of them and of ``common``) is the last
        # build's has every page kept at once (the lists an edit does not touch: most of them)
        everything = self._digest_of(shown)(items)
        keep_list = getattr(writer, "keep_list", None)
        if keep_list is not None and keep_list(
                folder, pages.list_digest(common, everything, hashes=shown is not None),
                [_page_file(folder, n) for n in range(1, len(hrefs) + 1)]):
            return
        sidebar: list[Markup] = []

        def make(n: int, save_as: str, page_items: Sequence[Any], pagination: dict[str, Any]) -> dict[str, Any]:
            if "facets" in kwargs and not sidebar:
                sidebar.append(self.sidebar(kwargs["facets"]))
            extra = {"sidebar": sidebar[0]} if sidebar else {}
            return dict(relative_urls=False, paginated={}, template_name=template, catalog_save_as=save_as,
                        page_items=[shown(x) for x in page_items] if shown is not None else page_items,
                        pagination=pagination, page_number=n, **kwargs, **extra)

        for n, save_as, page_items, pagination in self._pages(folder, items, per_page, hrefs):
            start = (n - 1) * per_page
            digest = pages.list_page_digest(
                common, save_as, n, pagination["start"], pagination["end"], everything[start : start + per_page])
            write_page(save_as, digest, self.get_template(template), self.context,
                       lambda n=n, s=save_as, i=page_items, p=pagination: make(n, s, i, p))

    @staticmethod
    def _pages(folder: str, items: Sequence[Any], per_page: int,
               hrefs: list[str]) -> Iterable[tuple[int, str, Sequence[Any], dict[str, Any]]]:
        """Each page of a list: its number, file, items and pager."""
        total = len(items)
        for n in range(1, len(hrefs) + 1):
            start = (n - 1) * per_page
            page_items = items[start : start + per_page]
            save_as = _page_file(folder, n)
            yield n, save_as, page_items, {
                "number": n,
                "pages": hrefs,
                "count": total,
                "start": start + 1 if total else 0,
                "end": start + len(page_items),
            }

    def _digest_of(self, shown: Callable[[Any], Any] | None) -> Callable[[Sequence[Any]], list[Any]]:
        """How a page's items count in its digest: by what the page shows of each, summarised once
        a build; with ``shown`` (the catalogue's rows) by a digest of the row, kept by the
        document's id (a sub-site's kept with its manifest, ``keep_rows``), so that a row is made
        only for a page that is written."""
        pages = incremental.ACTIVE.pages
        assert pages is not None
        memo = pages.memo
        if shown is None:
            return lambda items: [incremental.stable(x, memo) for x in items]
        known = self._row_digests
        get = known.get

        def digests(items: Sequence[Any]) -> list[Any]:
            out = list(map(get, map(id, items)))
            if None in out:
                for i, a in enumerate(items):
                    if out[i] is None:
                        out[i] = known[id(a)] = incremental.value_digest(shown(a))
            return out
        return digests

    def facet(
        self, title: str, groups: dict[Any, list[Any]], order: Iterable[Any], label: Any,
        href: Any, current: Any = None, all_href: str | None = None, total: int | None = None,
        keep_empty: bool = False, all_current: bool | None = None, **extra: Any,
    ) -> dict[str, Any]:
        """facet_list params: values in ``order`` with their counts (empty ones left out)."""
        items = []
        for value in order:
            count = len(groups.get(value, ()))
            if count or keep_empty:
                items.append({"text": label(value), "href": href(value), "count": count,
                              "current": value == current})
        params: dict[str, Any] = {"title": title, "items": items, **extra}
        if all_href is not None:
            params["all"] = {"text": "全部", "href": all_href, "count": total,
                             "current": current is None if all_current is None else all_current}
        return params

    # ---- output ----------------------------------------------------------------------------------

    def generate_output(self, writer: Any) -> None:
        """Group the articles once, then write every list page of every section."""
        articles = self.context.get("articles", [])
        registry = self.context.get("departments")
        self._row_digests = {}  # by id: the preview builds again with other objects
        # the 信息公开 documents the cluster's sub-sites published (their manifests): listed once,
        # at the sub-site's URL, in the county's catalogue and department pages
        manifests = (self.settings.get("CLUSTER") or {}).get("manifests") or []
        derived = incremental.ACTIVE.derived
        others = cluster_manifest.documents(manifests, registry, derived=derived,
                                            digests=incremental.ACTIVE.manifests)
        if others and derived is not None:
            self.keep_rows(manifests, registry, derived)
        if others:
            articles = cluster_manifest.newest_first([*articles, *others])
        index = Index(articles)
        # fixed pages that exist, so list pages only link to what the build writes
        self.context["site_pages"] = frozenset(index.pages_by_url)
        self.write_news(writer, index)
        self.write_disclosure(writer, index, registry)
        county = self.options["county_sections"]
        if "bsfw" not in county:
            self.write_services(writer, index, registry)
        if "zsyz" not in county:
            self.write_investment(writer, index)
        if self.options["departments"]:
            self.write_departments(writer, index, registry)
        self.write_home(writer, index)
        self.write_misc(writer, index, registry)
        if "hd" not in county:
            participation.write(self, writer, index.by_type)  # 互动交流: /hd/
        log.info("%s list pages written for %d documents", PREFIX, len(articles))

    def keep_rows(self, manifests: list[str], registry: Any, derived: incremental.Derived) -> None:
        """The digests of the sub-sites' documents' catalogue rows, kept in the county's incremental
        cache under their manifest's identity: an edit makes and hashes one manifest's rows, not
        the 45,000 of 100 sites × 1,000 documents (a row itself is made only for a page written)."""
        base = self.urls.base
        key = (base, cluster_manifest.departments_key(registry))

        def make(docs: list[Any]) -> list[str]:
            return [incremental.value_digest(catalog_row(d, base)) for d in docs]

        for path, identity, docs in cluster_manifest.sources(manifests, registry, derived=derived,
                                                             digests=incremental.ACTIVE.manifests):
            digests = derived.get("catalogue row digests", path, (identity, *key), lambda docs=docs: make(docs))
            self._row_digests.update(zip(map(id, docs), digests, strict=True))

    def write_news(self, writer: Any, index: Index) -> None:
        """政务动态: the section page and one paginated list per column and 专题 (content/columns.yml)."""
        per_page = self.options["news_per_page"]
        columns = []
        for code, label in self.context["columns"].news.items():
            items = index.news_by_column.get(code, [])
            columns.append({
                "code": code, "label": label, "href": self.urls.link("news_column", code),
                "count": len(items), "items": self.entries(items[: self.options["home_items"]]),
            })
        for column in columns:
            folder = self.urls.folder("news_column", column["code"])
            self.write_paginated(
                writer, folder, "zwdt_column", self.entries(index.news_by_column.get(column["code"], [])),
                per_page, section="zwdt", column=column, columns=columns,
            )
        self.write(writer, "zwdt/index.html", "zwdt_index", section="zwdt",
                   is_section_index=True, columns=columns)

    def write_disclosure(self, writer: Any, index: Index, registry: Any) -> None:
        """信息公开: the section page, the 目录 and its pages by 主题, 发布机构 and 年度."""
        docs = index.by_type.get("disclosure", [])
        per_page = self.options["catalog_per_page"]
        u = self.urls
        years = sorted(index.docs_by_year, reverse=True)
        publishers = [d.code for d in registry] if registry is not None else []
        names = {d.code: d.name for d in registry} if registry is not None else {}
        ml = u.href("xxgk/ml/")

        def facets(topic: Any = None, publisher: Any = None, year: Any = None) -> list[dict[str, Any]]:
            everything = topic is None and publisher is None and year is None
            return [
                self.facet("按主题分类", index.docs_by_topic, vocab.TOPICS, str,
                           lambda t: u.link("topic", t), topic, ml, len(docs),
                           all_current=everything),
                self.facet("按发布机构", index.docs_by_publisher, publishers,
                           lambda c: names.get(c, c), lambda c: u.link("publisher", c),
                           publisher, ml, len(docs), all_current=everything),
                self.facet("按年度", index.docs_by_year, years, lambda y: f"{y}年",
                           lambda y: u.link("year", y), year, ml, len(docs), inline=True,
                           all_current=everything),
            ]

        common = {"section": "xxgk", "shown": self.catalog_row}
        self.write_paginated(writer, "xxgk/ml/", "xxgk_catalog", docs, per_page,
                             facets=facets(), facet_title=None, **common)
        for topic, items in index.docs_by_topic.items():
            self.write_paginated(writer, u.folder("topic", topic), "xxgk_catalog", items, per_page,
                                 facets=facets(topic=topic), facet_kind="主题分类",
                                 facet_title=topic, **common)
        for code, items in index.docs_by_publisher.items():
            self.write_paginated(writer, u.folder("publisher", code), "xxgk_catalog", items, per_page,
                                 facets=facets(publisher=code), facet_kind="发布机构",
                                 facet_title=names.get(code, code), facet_dept=code, **common)
        for year, items in index.docs_by_year.items():
            self.write_paginated(writer, u.folder("year", year), "xxgk_catalog", items, per_page,
                                 facets=facets(year=year), facet_kind="年度",
                                 facet_title=f"{year}年", **common)

        reports = sorted(
            (p for url, p in index.pages_by_url.items() if url.startswith(XXGK_REPORTS_PREFIX)),
            key=lambda p: p.url, reverse=True,
        )
        fixed = [
            {"title": index.pages_by_url[url].title, "href": f"{u.base}/{url}", "hint": hint}
            for url, _title, hint in XXGK_PAGES
            if url in index.pages_by_url
        ]
        known = {url for url, _t, _h in XXGK_PAGES}
        fixed += [
            {"title": p.title, "href": f"{u.base}/{p.url}", "hint": p.metadata.get("summary", "")}
            for url, p in sorted(index.pages_by_url.items())
            if url.startswith("xxgk/") and url not in known
            and not url.startswith(XXGK_REPORTS_PREFIX)
        ]
        self.write(writer, "xxgk/index.html", "xxgk_index", section="xxgk", is_section_index=True,
                   fixed_pages=fixed, reports=self.entries(reports),
                   latest=docs[: self.options["home_items"]], total=len(docs),
                   facets=facets())

    def write_services(self, writer: Any, index: Index, registry: Any) -> None:
        """办事服务: the section page, browse pages by audience, life event, type and department, and each guide's printable checklist."""
        guides = index.by_type.get("guide", [])
        per_page = self.options["guides_per_page"]
        u = self.urls
        depts = [d.code for d in registry] if registry is not None else []
        names = {d.code: d.name for d in registry} if registry is not None else {}

        def facets(dept: Any = None, item_type: Any = None, audience: Any = None,
                   event: Any = None) -> list[dict[str, Any]]:
            out = [
                self.facet("按服务对象", index.guides_by_audience, vocab.AUDIENCES,
                           lambda a: f"{a}办事", lambda a: u.link("audience", a), audience,
                           inline=True),
            ]
            for aud, events in vocab.LIFE_EVENTS.items():
                out.append(self.facet(f"{aud}主题服务", index.guides_by_event, events, str,
                                      lambda e: u.link("life_event", e), event, inline=True))
            out.append(self.facet("按事项类型", index.guides_by_item_type, vocab.ITEM_TYPES, str,
                                  lambda t: u.link("item_type", t), item_type))
            out.append(self.facet("按实施部门", index.guides_by_dept, depts,
                                  lambda c: names.get(c, c), lambda c: u.link("guide_department", c),
                                  dept))
            return out

        def guide_items(guides: list[Any]) -> list[dict[str, Any]]:
            return [self.guide_entry(g) for g in guides]

        common = {"section": "bsfw"}
        for code, items in index.guides_by_dept.items():
            self.write_paginated(writer, u.folder("guide_department", code), "bsfw_list", guide_items(items), per_page,
                                 facets=facets(dept=code), facet_kind="实施部门",
                                 facet_title=names.get(code, code), facet_dept=code, **common)
        for item_type, items in index.guides_by_item_type.items():
            self.write_paginated(writer, u.folder("item_type", item_type), "bsfw_list", guide_items(items), per_page,
                                 facets=facets(item_type=item_type), facet_kind="事项类型",
                                 facet_title=item_type, **common)
        for aud in vocab.AUDIENCES:
            items = index.guides_by_audience.get(aud, [])
            events = [
                {"text": e, "href": u.link("life_event", e),
                 "count": len(index.guides_by_event[e])}
                for e in vocab.LIFE_EVENTS.get(aud, ())
                if index.guides_by_event.get(e)
            ]
            self.write_paginated(writer, u.folder("audience", aud), "bsfw_list", guide_items(items), per_page,
                                 facets=facets(audience=aud), facet_kind="服务对象",
                                 facet_title=f"{aud}办事", life_events=events, **common)
        for event, items in index.guides_by_event.items():
            self.write_paginated(writer, u.folder("life_event", event), "bsfw_list", guide_items(items), per_page,
                                 facets=facets(event=event), facet_kind="主题服务",
                                 facet_title=event,
                                 facet_parent=(f"{LIFE_EVENT_AUDIENCE.get(event, '')}办事",
                                               u.link("audience", LIFE_EVENT_AUDIENCE.get(event, ""))),
                                 **common)
        for guide in guides:
            self.write(writer, u.checklist(guide), "guide_checklist", article=guide,
                       section="bsfw")
        self.write(writer, "bsfw/index.html", "bsfw_index", section="bsfw", is_section_index=True,
                   popular=guide_items(self.popular_guides(index, 12)), total=len(guides),
                   facets=facets(),
                   life_events={
                       aud: [{"text": e, "href": u.link("life_event", e),
                              "count": len(index.guides_by_event[e])}
                             for e in events if index.guides_by_event.get(e)]
                       for aud, events in vocab.LIFE_EVENTS.items()
                   })

    def popular_guides(self, index: Index, limit: int) -> list[Any]:
        """The guides set as popular in ``CATALOGS``, then the newest, ``limit`` in all."""
        guides = index.by_type.get("guide", [])
        wanted = list(self.options["popular_guides"] or [])
        by_slug = {g.slug: g for g in guides} if wanted else {}
        chosen = [by_slug[s] for s in wanted if s in by_slug][:limit]
        seen = {id(g) for g in chosen}
        for g in guides:
            if len(chosen) >= limit:
                break
            if id(g) not in seen:
                chosen.append(g)
        return chosen

    def write_investment(self, writer: Any, index: Index) -> None:
        """招商引资: the section page and the project lists by industry."""
        projects = index.by_type.get("project", [])
        per_page = self.options["projects_per_page"]
        u = self.urls
        xm = u.href("zsyz/xm/")

        def facet(industry: Any = None, all_current: bool | None = None) -> dict[str, Any]:
            return self.facet("按产业筛选", index.projects_by_industry, vocab.INDUSTRIES, str,
                              lambda i: u.link("industry", i), industry, xm, len(projects),
                              all_current=all_current, inline=True)

        common = {"section": "zsyz"}
        project_items = [self.project_entry(p) for p in projects]
        self.write_paginated(writer, "zsyz/xm/", "zsyz_projects", project_items, per_page,
                             industry_facet=facet(), industry=None, **common)
        for industry, items in index.projects_by_industry.items():
            self.write_paginated(writer, u.folder("industry", industry), "zsyz_projects",
                                 [self.project_entry(p) for p in items], per_page,
                                 industry_facet=facet(industry), industry=industry, **common)
        self.write(writer, "zsyz/index.html", "zsyz_index", section="zsyz", is_section_index=True,
                   environment=self.entries(index.investment_by_kind.get("投资环境", [])),
                   policies=self.entries(index.investment_by_kind.get("优惠政策", [])),
                   investment_by_kind={k: self.entries(v) for k, v in index.investment_by_kind.items()},
                   projects=project_items[: self.options["home_items"]], total_projects=len(projects),
                   # the section page lists only the newest projects: its 全部 chip leads to the
                   # full list and is not the page's own (its count is not the list's length)
                   industry_facet=facet(all_current=False),
                   project_totals={
                       "projects": len(projects),
                       "amount": sum(p.amount for p in projects),  # 万元
                       "industries": len(index.projects_by_industry),
                       "by_status": {s: sum(p.project_status == s for p in projects)
                                     for s in vocab.PROJECT_STATUSES}})

    def write_departments(self, writer: Any, index: Index, registry: Any) -> None:
        """机构设置: the index and one page per department with what it publishes."""
        if registry is None:
            return
        limit = self.options["department_items"]
        depts = list(registry)
        children: dict[str, list[Any]] = defaultdict(list)
        for d in depts:
            if d.parent and d.parent in registry:
                children[d.parent].append(d)
        roots = [d for d in depts if not d.parent or d.parent not in registry]
        kind_order = {k: i for i, k in enumerate(vocab.DEPARTMENT_KINDS)}

        def grouped(ds: list[Any]) -> list[tuple[str, list[Any]]]:
            groups: dict[str, list[Any]] = defaultdict(list)
            for d in ds:
                groups[d.kind].append(d)
            return sorted(groups.items(), key=lambda kv: kind_order.get(kv[0], len(kind_order)))

        self.write(writer, "jg/index.html", "jg_index", section="jg", is_section_index=True,
                   roots=roots, children=children, grouped=grouped, count=len(depts))
        for d in depts:
            own = index.by_dept.get(d.code, {})
            blocks = []
            for doctype, title, more in (
                ("disclosure", "信息公开文件", self.urls.link("publisher", d.code)),
                ("guide", "办事指南", self.urls.link("guide_department", d.code)),
                ("project", "招商项目", None),
                ("investment", "投资环境与优惠政策", None),
                ("news", "政务动态", None),
                ("power", "职权目录", self.urls.link("power_department", d.code)),
            ):
                items = own.get(doctype, [])
                blocks.append({"doctype": doctype, "title": title, "count": len(items),
                               "items": self.entries(items[:limit]),
                               "more": more if len(items) > limit else None})
            self.write(writer, d.url, "jg_department", section="jg", dept=d,
                       parent=registry.get(d.parent) if d.parent else None,
                       sub_departments=children.get(d.code, []), blocks=blocks,
                       article_meta={"title": d.name, "source": d.name})

    def write_home(self, writer: Any, index: Index) -> None:
        """The home page: the newest items of each block."""
        n = self.options["home_items"]
        u = self.urls
        declared = self.context["columns"]

        def block(name: str) -> list[dict[str, Any]]:
            # the columns.yml columns whose ``home`` is this block, newest first
            lists = [index.news_by_column.get(c, [])[:n] for c in declared.home_columns(name)]
            return self.entries(merge_newest(*lists)[:n])

        def more(name: str) -> dict[str, str]:
            # a block's heading and its 更多 link: its one column's list, or the 政务动态 page
            ids = declared.home_columns(name)
            if len(ids) == 1:
                return {"title": declared.news.get(ids[0], ids[0]), "href": u.link("news_column", ids[0])}
            return {"title": portal_columns.HOME_BLOCKS[name], "href": u.href("zwdt/")}

        self.write(
            writer, "index.html", self.options["home_template"], section="home", is_section_index=True,
            home_blocks=[name for name in portal_columns.HOME_BLOCKS if declared.home_columns(name)],
            headlines=block("headlines"),
            notices=block("notices"),
            dept_news=block("dept_news"),
            home_more={name: more(name) for name in portal_columns.HOME_BLOCKS},
            disclosure=self.entries(index.by_type.get("disclosure", [])[:n]),
            popular=self.popular_guides(index, n),
            life_events=[
                {"text": e, "href": u.link("life_event", e),
                 "count": len(index.guides_by_event.get(e, ()))}
                for e in vocab.LIFE_EVENTS.get("个人", ())
                if index.guides_by_event.get(e)
            ],
            business_events=[
                {"text": e, "href": u.link("life_event", e),
                 "count": len(index.guides_by_event.get(e, ()))}
                for e in vocab.LIFE_EVENTS.get("法人", ())
                if index.guides_by_event.get(e)
            ],
            projects=[self.project_entry(p) for p in index.by_type.get("project", [])[:4]],
            investment=self.entries(index.by_type.get("investment", [])[:4]),
        )

    def write_misc(self, writer: Any, index: Index, registry: Any) -> None:
        """The 404 page, the human sitemap, the contact and accessibility pages."""
        u = self.urls
        pages = sorted(index.by_type.get("page", []), key=lambda p: p.url)
        self.write(writer, "404.html", "404", section=None)
        self.write(
            writer, "sitemap.html", "sitemap", section=None,
            county_sections=self.options["county_sections"],
            news_columns=[(label, u.link("news_column", c))
                          for c, label in self.context["columns"].news.items()],
            topics=[(t, u.link("topic", t)) for t in vocab.TOPICS if index.docs_by_topic.get(t)],
            years=[(f"{y}年", u.link("year", y)) for y in sorted(index.docs_by_year, reverse=True)],
            audiences=[(f"{a}办事", u.link("audience", a)) for a in vocab.AUDIENCES],
            item_types=[(t, u.link("item_type", t)) for t in vocab.ITEM_TYPES
                        if index.guides_by_item_type.get(t)],
            industries=[(i, u.link("industry", i)) for i in vocab.INDUSTRIES
                        if index.projects_by_industry.get(i)],
            xxgk_links=[(p.title, f"{u.base}/{p.url}") for p in pages if p.url.startswith("xxgk/")]
            + [("政府信息公开目录", u.href("xxgk/ml/")), ("依申请公开", f"{self.settings.get('SERVICE_URL', u.base)}/hdjl/ysqgk/new")]
            + ([("职权目录", u.href(listing.POWER_CATALOGUE))] if index.by_type.get("power") else []),
            fixed_pages=[(p.title, f"{u.base}/{p.url}") for p in pages
                         if not p.url.startswith("xxgk/")],
            departments=list(registry or []),
        )
        # Fixed pages the footer links to; content/pages may provide its own (preferred).
        for url, template in listing.REPLACEABLE_PAGES.items():
            if url not in index.pages_by_url:
                contact = None
                if registry is not None:
                    contact = next((d for d in registry if d.accepts_disclosure_requests), None)
                self.write(writer, url, template, section=None, office=contact)


def _page_file(folder: str, number: int) -> str:
    """The file of a paginated list's page: index.html, index_2.html …"""
    return f"{folder}index.html" if number == 1 else f"{folder}index_{number}.html"


def merge_newest(*lists: list[Any]) -> list[Any]:
    """Newest-first lists merged newest-first (all are short)."""
    return sorted((x for one in lists for x in one), key=lambda x: x.date, reverse=True)


def get_generators(pelican: Any) -> type[Generator]:
    """Pelican's hook: the catalogs generator runs after the articles are read."""
    return CatalogGenerator


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.get_generators.connect(get_generators)
