"""Machine-readable outputs: sitemap, robots.txt, Atom feeds, open-data JSON."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from portal import schema

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


def test_sitemap_lists_documents_and_catalogs_with_absolute_urls(built_site):
    root = ET.parse(built_site / "sitemap.xml").getroot()
    locs = [u.find(f"{SITEMAP_NS}loc").text for u in root]
    assert all(loc.startswith("https://www.shifan.gov.cn/") for loc in locs)
    assert "https://www.shifan.gov.cn/" in locs  # the home page, as a directory URL
    assert any("/xxgk/wj/" in loc for loc in locs)
    assert any("/bsfw/zn/" in loc for loc in locs)
    assert not any(loc.endswith("404.html") for loc in locs)
    # every entry points to a file the build really wrote
    for loc in locs:
        rel = loc.removeprefix("https://www.shifan.gov.cn/")
        target = built_site / rel
        assert (target / "index.html").exists() if (not rel or rel.endswith("/")) else target.exists(), loc


def test_robots_txt_points_to_sitemap_and_keeps_crawlers_off_tracking(built_site):
    robots = (built_site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://www.shifan.gov.cn/sitemap.xml" in robots
    assert "sitemap_index" not in robots  # a site without sub-sites has no cluster index
    assert "Disallow: /hdjl/track" in robots


def test_feeds_per_section_are_valid_atom(built_site):
    for name in ("zwdt", "xxgk", "bsfw", "zsyz"):
        root = ET.parse(built_site / "feeds" / f"{name}.atom.xml").getroot()
        assert root.tag == f"{ATOM_NS}feed"
        entries = root.findall(f"{ATOM_NS}entry")
        assert entries, name
        for entry in entries:
            href = entry.find(f"{ATOM_NS}link").get("href")
            assert href.startswith("https://www.shifan.gov.cn/"), href


def test_disclosure_json_carries_the_catalog_metadata(built_site):
    data = json.loads((built_site / "data" / "xxgk.json").read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["count"] == len(data["items"]) > 0
    item = data["items"][0]
    for key in ("index_no", "title", "topic", "genre", "publisher", "written", "published",
                "validity", "keywords", "summary", "url"):
        assert key in item, key
    assert item["publisher"]["code"] and item["publisher"]["name"]
    published = [i["published"] for i in data["items"]]
    assert published == sorted(published, reverse=True)


def test_guides_json_has_every_guide_field(built_site):
    data = json.loads((built_site / "data" / "bsfw.json").read_text(encoding="utf-8"))
    assert data["count"] > 0
    guide_keys = {f.key for f in schema.GUIDE.fields} - {"department", "date", "forms"}
    for key in guide_keys:
        assert key in data["items"][0], key
    assert data["items"][0]["department"]["code"]


def test_projects_json_links_to_the_inquiry_form(built_site):
    data = json.loads((built_site / "data" / "zsyz.json").read_text(encoding="utf-8"))
    assert data["count"] > 0
    assert "/hdjl/tz/new?project=" in data["items"][0]["inquiry_url"]
    assert data["items"][0]["status"] in ("招商中", "洽谈中", "已签约")
