"""One message service for the cluster: a form opened from a township or department site has that
site's department chosen (the link its theme writes, portal.cluster.settings SERVICE_QUERY)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from portal import sites as cluster_sites
from portal.cluster import settings as cluster_settings
from tests.formsvc.conftest import soup

SITES = cluster_sites.load_all()


@pytest.mark.parametrize("site", SITES, ids=[s.id for s in SITES])
@pytest.mark.parametrize("kind", ["zx", "jy", "ts"])
def test_a_form_from_a_subsite_routes_to_its_department(client: FlaskClient, site, kind) -> None:
    query = cluster_settings.subsite_overrides(site, SITES, cluster_sites.REPO_ROOT / "output")["SERVICE_QUERY"]
    assert query == f"?department={site.department}"
    page = soup(client.get(f"/hdjl/{kind}/new{query}"))
    selected = page.select_one("#department option[selected]")
    assert selected is not None and selected["value"] == site.department


def test_the_township_sites_are_townships_of_the_registry() -> None:
    townships = [s for s in SITES if s.kind == "township"]
    assert len(townships) == 2
    for s in townships:
        assert s.department in {"cgz", "hxz"}
