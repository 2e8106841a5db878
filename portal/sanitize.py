"""The one HTML allow-list of the site: what of an editor's HTML the build publishes.

The reader plugin (``plugins/yamlmeta``) cleans every document's HTML with :func:`sanitize`, and
the checker (``portal.body_check``) asks :func:`keeps` whether a tag, attribute or link survives,
so ``scripts/check`` reports exactly what the build would drop and nothing else.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

import nh3

_H1 = re.compile(r"<(/?)h1([ >])")
ALLOWED_TAGS = frozenset(set(nh3.ALLOWED_TAGS) | {"figure", "figcaption", "caption", "colgroup", "col"})
_attributes: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    **{f"h{n}": {"id"} for n in range(2, 7)},
    # no style: the CSP blocks style attributes; Markdown's column alignment comes as align=
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "scope", "align"},
    "ol": {"start"},
    # Markdown footnotes: the reference (sup) and the note (li) are each other's link targets
    "sup": {"id"},
    "li": {"id"},
}
_attributes["a"] = _attributes.get("a", set()) | {"href", "title", "id"}
_attributes["img"] = _attributes.get("img", set()) | {"src", "alt", "title", "width", "height"}
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {t: frozenset(a) for t, a in _attributes.items()}
# Tags removed with their content, not only the tag (the others keep their text).
CONTENT_DROPPED = frozenset({"script", "style"})
# Pelican resolves {filename}/{static} links after reading; they have no scheme and stay intact.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# One sanitizer for the whole build: nh3.clean() rebuilds its rule set on every call, which
# was 40 % of sanitising time (docs/performance.md).
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={t: set(a) for t, a in ALLOWED_ATTRIBUTES.items()},
    clean_content_tags=set(CONTENT_DROPPED),
    link_rel=None,
    url_schemes=set(URL_SCHEMES),
)


def sanitize(html: str) -> str:
    """Strip anything from editors' HTML that could run script; demote stray <h1>."""
    return _CLEANER.clean(_H1.sub(r"<\1h2\2", html))


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


_CONTEXT = {
    **dict.fromkeys(("td", "th"), ("<table><tbody><tr>", "</tr></tbody></table>")),
    "tr": ("<table><tbody>", "</tbody></table>"),
    **dict.fromkeys(("thead", "tbody", "tfoot", "caption", "colgroup"), ("<table>", "</table>")),
    "col": ("<table><colgroup>", "</colgroup></table>"),
}


@lru_cache(maxsize=4096)
def keeps(tag: str, attr: str = "", value: str = "x") -> bool:
    """Whether the sanitiser publishes ``<tag>`` (and its ``attr="value"``) as written.

    Asks the cleaner itself with a one-element document, so the answer cannot drift from
    :func:`sanitize`. A dropped attribute or a link whose scheme is not allowed answers False.
    """
    if tag == "h1":  # demoted to h2, not dropped
        tag = "h2"
    probe = f'<{tag} {attr}="{value.replace(chr(34), "&quot;")}">x</{tag}>' if attr else f"<{tag}>x</{tag}>"
    before, after = _CONTEXT.get(tag, ("", ""))  # table parts only parse inside a table
    probe = before + probe + after
    parser = _Attrs()
    parser.feed(_CLEANER.clean(probe))
    for found_tag, attrs in parser.found:
        if found_tag == tag:
            return not attr or attrs.get(attr) == value
    return False
