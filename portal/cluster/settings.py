"""A site's Pelican settings, computed from ``pelicanconf`` (or ``publishconf``) and its site.yml.

The one place where a sub-site's settings come from: no copy of pelicanconf per site. The county
(site id ``county``) keeps pelicanconf as it is, plus what the cluster adds (its sub-sites'
manifests for the 信息公开 catalogue, the 网站群 list); a sub-site is published under
``<county>/<site-id>/`` with its own name, codes, menu, accent colour and logo, the county's theme
(its ``templates/`` searched first) and the county's message service and registry.

Every value is JSON, handed to Pelican with ``-e KEY=value`` (see :func:`pelican_argv`).
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

from portal import sites as cluster_sites
from sitesearch.fields import DEFAULT_SITE

REPO_ROOT = cluster_sites.REPO_ROOT
MANIFEST = "_cluster/manifest.json"  # under each site's output folder
# A footer lists every site of a cluster up to this many. Beyond, one link a site on every page is
# a list nobody reads that every page carries (15 KB a page, 0.4 ms to render, at 100 sites): the
# footer names the county and the site itself and links to the site map's list of all of them.
FOOTER_SITES_MAX = 12
SITES_ANCHOR = "wzq"  # the site map's 网站群 section, which the footer's "all sites" link opens at


def config_file(publish: bool) -> Path:
    """The settings module a build starts from."""
    return REPO_ROOT / ("publishconf.py" if publish else "pelicanconf.py")


def base_settings(publish: bool) -> dict[str, Any]:
    """pelicanconf's (or publishconf's) upper-case names, read without importing Pelican."""
    return {k: v for k, v in runpy.run_path(str(config_file(publish))).items() if k.isupper()}


def site_output(output_root: Path, site_id: str) -> Path:
    """Where a site is written: the county at the root, a sub-site in its folder."""
    return Path(output_root) if site_id == DEFAULT_SITE else Path(output_root) / site_id


def cluster_list(sites: list[cluster_sites.Site], county_url: str, base: dict[str, Any]) -> list[dict[str, str]]:
    """The 网站群 list every page's footer shows: the county first, then each sub-site."""
    out = [{"id": DEFAULT_SITE, "name": str(base["SITENAME"]), "kind": "门户网站", "url": f"{county_url}/"}]
    out += [{"id": s.id, "name": s.name, "kind": s.kind_label, "url": f"{county_url}/{s.id}/"}
            for s in sites]
    return out


def footer_sites(site_id: str, listed: list[dict[str, str]], county_url: str) -> dict[str, Any]:
    """The 网站群 in a site's footer: ``sites`` (links) and ``more`` (the whole list's size and
    address, or None when ``sites`` is the whole list)."""
    if len(listed) <= FOOTER_SITES_MAX:
        return {"sites": listed, "more": None}
    return {"sites": [s for s in listed if s["id"] in (DEFAULT_SITE, site_id)],
            "more": {"count": len(listed), "url": f"{county_url}/sitemap.html#{SITES_ANCHOR}"}}


def _cluster_names(site_id: str, sites: list[cluster_sites.Site], county_url: str,
                   base: dict[str, Any]) -> dict[str, Any]:
    listed = cluster_list(sites, county_url, base)
    return {"CLUSTER_SITES": listed, "CLUSTER_FOOTER": footer_sites(site_id, listed, county_url),
            "CLUSTER_SITES_ANCHOR": SITES_ANCHOR}


def county_overrides(sites: list[cluster_sites.Site], output_root: Path, *, publish: bool = False,
                     base: dict[str, Any] | None = None, repo: Path | None = None) -> dict[str, Any]:
    """What the cluster adds to the county's settings (its tree: ``<repo>/content``)."""
    base = base or base_settings(publish)
    county_url = str(base.get("SITEURL") or "")
    search = {**(base.get("SEARCHINDEX") or {}), "site": DEFAULT_SITE,
              "dir": str(Path(output_root).resolve() / "_search")}
    out: dict[str, Any] = {} if not base.get("DELETE_OUTPUT_DIRECTORY") else {
        # publishconf empties the output folder first: the county's is the cluster's root, where
        # the sub-sites, the shared search index and the fingerprints already are
        "OUTPUT_RETENTION": [*(base.get("OUTPUT_RETENTION") or []), "_search", "_cluster",
                             *(s.id for s in sites)]}
    return out | {
        "PATH": str(cluster_sites.content_dir(None, repo=repo).resolve()),
        "OUTPUT_PATH": str(Path(output_root).resolve()),
        "SEARCHINDEX": search,
        "CLUSTER": {"site": DEFAULT_SITE, "prefix": "",
                    "manifests": [str(site_output(output_root, s.id).resolve() / MANIFEST) for s in sites]},
        **_cluster_names(DEFAULT_SITE, sites, county_url, base),
        "SERVICE_URL": county_url,
    }


def _sections(site: cluster_sites.Site, base: dict[str, Any], county_url: str) -> list[list[str]]:
    by_code = {code: (label, url) for label, url, code in base["SECTIONS"]}
    county = cluster_sites.county_sections(site.content_dir)
    out = []
    for code in site.menu:
        label, url = by_code[code]
        if code in county:  # the county's pages: an address from the root
            url = f"{county_url}/{url}"
        out.append([label, url, code])
    return out


def subsite_overrides(site: cluster_sites.Site, sites: list[cluster_sites.Site], output_root: Path, *,
                      publish: bool = False, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A sub-site's settings: pelicanconf's, with what its site.yml says."""
    base = base or base_settings(publish)
    county_url = str(base.get("SITEURL") or "")
    siteurl = f"{county_url}/{site.id}"
    footer = {**base["FOOTER"], **site.footer}
    column_meta = {k: list(v) for k, v in base["COLUMN_META"].items()}
    column_meta["home"] = ["首页", f"{site.name}网站首页", f"{site.short_name},{site.kind_label}", "首页"]
    search = {**(base.get("SEARCHINDEX") or {}), "site": site.id, "departments": False,
              "dir": str(Path(output_root).resolve() / "_search")}
    out: dict[str, Any] = {
        "PATH": str(site.content_dir.resolve()),
        "OUTPUT_PATH": str(site_output(output_root, site.id).resolve()),
        "SITEURL": siteurl,
        "FEED_DOMAIN": siteurl,
        "SITENAME": site.name,
        "SITE_SHORT_NAME": site.short_name,
        "SITE_ID_CODE": site.site_id_code,
        "AUTHOR": footer.get("organizer") or site.name,
        "FOOTER": footer,
        "SECTIONS": _sections(site, base, county_url),
        "COLUMN_META": column_meta,
        "SEARCHINDEX": search,
        # the county writes the registry's pages (/jg/) and the list pages of what a sub-site lacks
        "CATALOGS": {**(base.get("CATALOGS") or {}), "departments": False, "home_template": "subsite_home",
                     "county_sections": [c for c in cluster_sites.county_sections(site.content_dir)
                                         if c in cluster_sites.OPTIONAL_SECTIONS]},
        "CLUSTER": {"site": site.id, "prefix": f"{site.id}/", "manifests": []},
        **_cluster_names(site.id, sites, county_url, base),
        "SITE_KIND": site.kind,
        "SITE_DEPARTMENT": site.department,
        "SITE_KIND_LABEL": site.kind_label,
        "SITE_ACCENT": site.accent,
        "SITE_LOGO": f"{siteurl}/theme/{site.logo}" if site.logo else "",
        "COUNTY_NAME": str(base["SITENAME"]),
        "COUNTY_URL": f"{county_url}/",
        # one message service, the county's; its forms open with this site's department chosen
        "SERVICE_URL": county_url,
        "SERVICE_QUERY": f"?department={site.department}",
    }
    if site.templates_dir.is_dir():
        out["THEME_TEMPLATES_OVERRIDES"] = [str(site.templates_dir.resolve())]
    if site.static_dir.is_dir():
        out["THEME_STATIC_PATHS"] = ["static", str(site.static_dir.resolve())]
    return out


def overrides_for(site_id: str, sites: list[cluster_sites.Site], output_root: Path, *,
                  publish: bool = False) -> dict[str, Any]:
    """The settings a site's build adds to pelicanconf (the county's or a sub-site's)."""
    base = base_settings(publish)
    if site_id == DEFAULT_SITE:
        return county_overrides(sites, output_root, publish=publish, base=base)
    by_id = {s.id: s for s in sites}
    return subsite_overrides(by_id[site_id], sites, output_root, publish=publish, base=base)


def pelican_args(overrides: dict[str, Any], *, publish: bool = False) -> list[str]:
    """Pelican's arguments for one site's build (what ``pelican.main`` takes)."""
    args = [overrides["PATH"], "-s", str(config_file(publish)), "-o", overrides["OUTPUT_PATH"]]
    # one -e with every pair: a second -e would replace the first's
    args.append("-e")
    args += [f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in overrides.items()
             if key not in ("PATH", "OUTPUT_PATH")]
    return args


def pelican_argv(overrides: dict[str, Any], *, publish: bool = False) -> list[str]:
    """The command that builds one site on its own: Pelican's, in a process of its own."""
    return [sys.executable, "-m", "pelican", *pelican_args(overrides, publish=publish)]
