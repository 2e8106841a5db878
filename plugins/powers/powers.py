"""Pelican plugin ``powers``: the 职权目录 (权力事项) and its 运行流程图.

After the articles are read it joins each 权力事项 to the 办事指南 that name it in ``power`` (both
pages link to each other; the link is declared once, on the guide) and draws each flow as inline
SVG (``portal.flowchart``), so the document template only places them. A generator then writes
the catalogue: ``/xxgk/ql/`` (every item by category), one page per 职权类别 and one per 实施主体
(folders from ``portal.listing``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup
from pelican import signals
from pelican.generators import Generator

from portal import flowchart, listing, powerflow, vocab

log = logging.getLogger(__name__)
PREFIX = "powers:"
PER_PAGE = 50  # rows of a category's or a department's page
FRONT_ITEMS = 10  # rows per category on the catalogue's front page (a county has thousands)


def link_guides(articles: Sequence[Any]) -> None:
    """``power.guides`` (the guides implementing it) and ``guide.power_item`` (or None)."""
    powers = {str(a.code): a for a in articles if getattr(a, "doctype", "") == "power"}
    for p in powers.values():
        p.guides = []
    for a in articles:
        if getattr(a, "doctype", "") != "guide":
            continue
        item = powers.get(str(getattr(a, "power", "") or ""))
        a.power_item = item
        if item is not None:
            item.guides.append(a)
    for p in powers.values():
        p.guides.sort(key=lambda g: g.title)


def draw_flows(article: Any) -> list[dict[str, Any]]:
    """The flows of one power item: key, label, steps and the SVG (absent flows left out)."""
    out = []
    for key, label in vocab.POWER_FLOWS.items():
        steps = powerflow.steps_of(getattr(article, key, None))
        if not steps:
            continue
        ident = f"flow-{key.removeprefix('flow_')}"
        title = f"{article.title}{label}图"
        out.append({"key": key, "id": ident, "label": label, "steps": steps,
                    "svg": Markup(flowchart.svg(steps, ident, title)),
                    "ends": {s.id for s in steps if s.is_end},
                    "names": {s.id: s.name for s in steps}})
    return out


def prepare(article: Any) -> None:
    """What a power item's page needs beyond its front matter: the charts and its list folders."""
    article.flows = draw_flows(article)
    article.category_folder = listing.folder("power_category", article.power_type)
    article.department_folder = listing.folder("power_department", article.department)


# the article list the guides were last joined against (the preview swaps in a new list)
_JOINED: dict[str, Any] = {"articles": None}


def articles_read(generator: Any) -> None:
    """Join powers and guides, and draw every power item's flows (the content checks passed)."""
    link_guides(generator.articles)
    _JOINED["articles"] = generator.articles
    for a in generator.articles:
        if getattr(a, "doctype", "") == "power":
            prepare(a)


def before_write(generator: Any, content: Any) -> None:
    """A document re-read by ``make preview`` (portal.preview) after the build: prepared here,
    right before its page is written, since ``articles_read`` ran for the first build only."""
    doctype = getattr(content, "doctype", "")
    if doctype not in ("power", "guide"):
        return
    if _JOINED["articles"] is not generator.articles:
        link_guides(generator.articles)
        _JOINED["articles"] = generator.articles
    if doctype == "power" and not hasattr(content, "flows"):
        prepare(content)


class PowerCatalogue(Generator):
    """Writes /xxgk/ql/ and its pages by 职权类别 and by 实施主体."""

    def generate_context(self) -> None:
        """Read nothing of its own: it lists the power items the articles generator read."""

    def write(self, writer: Any, save_as: str, **kwargs: Any) -> None:
        writer.write_file(save_as, self.get_template("power_list"), self.context,
                          relative_urls=False, paginated={}, template_name="power_list",
                          catalog_save_as=save_as, **kwargs)

    def write_pages(self, writer: Any, folder: str, items: list[Any], **kwargs: Any) -> None:
        """folder/index.html, index_2.html … with PER_PAGE items each, grouped by category."""
        base = self.settings.get("SITEURL", "").rstrip("/")
        n_pages = max(1, -(-len(items) // PER_PAGE))
        hrefs = [f"{base}/{folder}"] + [f"{base}/{folder}index_{n}.html" for n in range(2, n_pages + 1)]
        for n in range(1, n_pages + 1):
            start = (n - 1) * PER_PAGE
            own = items[start:start + PER_PAGE]
            groups = [(c, None, [a for a in own if a.power_type == c])
                      for c in vocab.POWER_CATEGORIES if any(a.power_type == c for a in own)]
            pagination = {"number": n, "pages": hrefs, "count": len(items), "start": start + 1,
                          "end": start + len(own)}
            self.write(writer, f"{folder}index.html" if n == 1 else f"{folder}index_{n}.html",
                       groups=groups, total=len(items), pagination=pagination, page_number=n,
                       **kwargs)

    def generate_output(self, writer: Any) -> None:
        """The front page (each category's first items), then every category and department,
        paginated."""
        order = {c: i for i, c in enumerate(vocab.POWER_CATEGORIES)}
        items = sorted((a for a in self.context.get("articles", []) if getattr(a, "doctype", "") == "power"),
                       key=lambda a: (order.get(a.power_type, len(order)), a.code))
        if not items:
            return
        base = self.settings.get("SITEURL", "").rstrip("/")
        registry = self.context.get("departments")
        by_category: dict[str, list[Any]] = defaultdict(list)
        by_dept: dict[str, list[Any]] = defaultdict(list)
        for a in items:
            by_category[a.power_type].append(a)
            by_dept[a.department].append(a)

        def href(kind: str, value: str) -> str:
            return f"{base}/{listing.folder(kind, value)}"

        def name(code: str) -> str:
            d = registry.get(code) if registry is not None else None
            return d.name if d is not None else code

        dept_order = [d.code for d in registry if d.code in by_dept] if registry is not None else []
        dept_order += sorted(c for c in by_dept if c not in dept_order)
        facets = [
            {"title": "按职权类别", "items": [
                {"text": c, "href": href("power_category", c), "count": len(by_category[c])}
                for c in vocab.POWER_CATEGORIES if by_category.get(c)]},
            {"title": "按实施主体", "items": [
                {"text": name(c), "href": href("power_department", c), "count": len(by_dept[c])}
                for c in dept_order]},
        ]

        def facets_for(current: str) -> list[dict[str, Any]]:
            return [{**f, "items": [{**i, "current": i["href"] == current} for i in f["items"]]}
                    for f in facets]

        # the front page: each category with its first FRONT_ITEMS items and the way to the rest
        groups = [(c, href("power_category", c), by_category[c][:FRONT_ITEMS], len(by_category[c]))
                  for c in vocab.POWER_CATEGORIES if by_category.get(c)]
        index = f"{base}/{listing.POWER_CATALOGUE}"
        self.write(writer, listing.POWER_CATALOGUE + "index.html", front_groups=groups,
                   total=len(items), facets=facets_for(index), facet_title=None, names=name)
        for c, own in by_category.items():
            self.write_pages(writer, listing.folder("power_category", c), own,
                             facets=facets_for(href("power_category", c)),
                             facet_title=c, facet_kind="职权类别", names=name)
        for code, own in by_dept.items():
            self.write_pages(writer, listing.folder("power_department", code), own,
                             facets=facets_for(href("power_department", code)),
                             facet_title=name(code), facet_kind="实施主体", facet_dept=code, names=name)
        log.info("%s 职权目录 written: %d items", PREFIX, len(items))


def get_generators(pelican: Any) -> type[Generator]:
    """Pelican's hook: the catalogue is written after the articles are read."""
    return PowerCatalogue


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.article_generator_finalized.connect(articles_read)
    signals.article_generator_write_article.connect(before_write)
    signals.get_generators.connect(get_generators)
