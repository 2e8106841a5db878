"""The search finds 网上调查: the county build indexes each survey file as one document of 互动交流."""

from __future__ import annotations

import pelicanconf
from tests.conftest import build_site
from tests.sitesearch.test_sites import find

SURVEY = """title: 城区公共停车设施满意度调查
department: xzfb
intro: 了解群众对停车设施的意见。
opens: 2026-11-20
closes: 2027-01-31
questions:
  - id: often
    type: single
    text: 您多久在城区停车一次？
    options: [每天, 很少]
"""


def test_a_survey_is_found_with_its_page(site_copy, tmp_path) -> None:
    (site_copy / "surveys").mkdir()
    (site_copy / "surveys" / "parking.yml").write_text(SURVEY, encoding="utf-8")
    out = build_site(site_copy, tmp_path / "output", PLUGINS=[*pelicanconf.PLUGINS, "searchindex"],
                     SEARCHINDEX={"background": False})
    hits = find(out / "_search", q="停车设施").hits
    assert hits and hits[0].url == "/hdjl/surveys/parking"
    assert hits[0].title == "城区公共停车设施满意度调查"
