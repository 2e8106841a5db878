"""Rules every page of the built portal must keep, checked on every HTML file the build writes."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

META_TAGS = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType")
ARTICLE_META = ("ArticleTitle", "PubDate", "ContentSource")
# answered by formsvc, not by files in output/
SERVICE_PREFIXES = ("/hdjl/", "/api/", "/search")


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def pages(built_site) -> list[tuple[str, BeautifulSoup]]:
    found = [(p.relative_to(built_site).as_posix(), soup_of(p)) for p in html_pages(built_site)]
    assert len(found) > 20, "the test site should produce home, catalogs and documents"
    return found


def test_every_page_has_lang_title_and_one_h1(pages):
    for rel, soup in pages:
        assert soup.html.get("lang") == "zh-CN", rel
        assert soup.title and soup.title.get_text(strip=True), rel
        assert len(soup.find_all("h1")) == 1, f"{rel}: {len(soup.find_all('h1'))} <h1>"


def test_every_page_has_the_government_meta_tags(pages):
    for rel, soup in pages:
        for name in META_TAGS:
            tag = soup.find("meta", attrs={"name": name})
            assert tag is not None and tag.get("content"), f"{rel}: meta {name}"
        assert soup.find("meta", attrs={"name": "SiteIDCode"})["content"] == "1234560001"


def test_document_pages_carry_article_meta(built_site):
    for folder in ("xxgk/wj", "bsfw/zn", "zwdt"):
        for path in (built_site / folder).rglob("*.html"):
            if path.name.startswith("index"):
                continue
            soup = soup_of(path)
            for name in ARTICLE_META:
                tag = soup.find("meta", attrs={"name": name})
                assert tag is not None and tag.get("content"), f"{path}: meta {name}"
            pubdate = soup.find("meta", attrs={"name": "PubDate"})["content"]
            assert len(pubdate) == 16 and pubdate[4] == "-" and pubdate[13] == ":", pubdate


def test_every_page_has_skip_link_and_care_mode_script(pages):
    for rel, soup in pages:
        skip = soup.find("a", href="#main")
        assert skip is not None, f"{rel}: skip link"
        assert soup.find(id="main") is not None, f"{rel}: #main target"
        assert soup.find("script", src=lambda s: s and "care" in s), f"{rel}: 关怀版 script"


def test_no_asset_or_link_to_another_host(pages):
    for rel, soup in pages:
        for tag in soup.find_all(["script", "link", "img", "iframe", "source", "video", "audio"]):
            for attr in ("src", "href", "srcset"):
                value = tag.get(attr)
                if value:
                    host = urlsplit(value).netloc
                    assert not host and not value.startswith("//"), f"{rel}: {tag.name} {value}"
        assert not soup.find_all("script", src=False, string=True), f"{rel}: inline script"


def _target_exists(output: Path, url_path: str) -> bool:
    path = unquote(url_path)
    if path.endswith("/"):
        return (output / path.lstrip("/") / "index.html").exists()
    return (output / path.lstrip("/")).exists()


def test_internal_links_resolve(built_site, pages):
    broken = []
    for rel, soup in pages:
        for a in soup.find_all("a", href=True):
            parts = urlsplit(a["href"])
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SERVICE_PREFIXES):
                continue
            if not _target_exists(built_site, parts.path):
                broken.append(f"{rel} -> {a['href']}")
    assert not broken, "\n".join(broken[:20])


def test_404_page_exists_and_offers_search(built_site):
    soup = soup_of(built_site / "404.html")
    assert soup.find("form", action="/search") is not None
