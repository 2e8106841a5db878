"""网上调查 in a browser: answering the open demo survey with the keyboard only (关怀版), axe-core
with 0 violations on the form (with its errors) and the results page at 360 and 1280 px in both
modes, and the XSS corpus through published free-text answers on the results and staff pages."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.e2e import support
from tests.e2e.conftest import ROOT, STAFF_PASSWORD
from tests.e2e.test_keyboard import enter_and_wait, id_is, press, tab_to, text_is
from tests.e2e.test_staff import log_in
from tests.e2e.test_xss import watched  # noqa: F401  (the fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Page

OPEN = "/hdjl/surveys/parking-2026"
CLOSED_RESULTS = "/hdjl/surveys/school-meals-2026/results"


def test_answer_a_survey_with_the_keyboard_only(open_page: Callable[..., Page]) -> None:
    page = open_page(1280, care=True)
    page.goto(OPEN)
    # sent empty: the error summary, and its first link takes the focus to the question
    tab_to(page, text_is("提交答卷"), "the submit button")
    assert enter_and_wait(page) == 400
    assert page.locator(".gp-error-summary").is_visible()
    tab_to(page, lambda f: f["tag"] == "a" and f["href"] == "#q-frequency", "the first error link")
    page.keyboard.press("Enter")
    assert support.focus_indicator(page)["id"] == "q-frequency"
    page.keyboard.press("Space")  # the first option of the single choice
    tab_to(page, id_is("q-problems"), "the multiple choice")
    page.keyboard.press("Space")
    press(page, "Tab")  # the second option
    page.keyboard.press("Space")
    tab_to(page, id_is("q-satisfaction"), "the scale")
    page.keyboard.press("ArrowRight")  # radios: arrows move and check (1 → 2)
    page.keyboard.press("ArrowRight")
    tab_to(page, id_is("q-advice"), "the text answer")
    page.keyboard.type("希望增加充电车位")
    tab_to(page, text_is("提交答卷"), "the submit button")
    assert enter_and_wait(page) == 200
    assert support.h1(page) == "答卷已提交"
    # the same browser again: told, no form
    page.goto(OPEN)
    assert "您已经提交过" in support.main(page).inner_text()
    assert page.locator("form.gp-form").count() == 0


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("care", [False, True])
def test_survey_pages_pass_axe(open_page: Callable[..., Page], width: int, care: bool) -> None:
    page = open_page(width, care=care)
    failures = []
    page.goto(OPEN)
    page.locator("button[type=submit]", has_text="提交答卷").click()  # the form with its errors
    page.wait_for_load_state()
    assert page.locator(".gp-error-summary").is_visible()
    for label in ("form with errors", "results"):
        if label == "results":
            page.goto(CLOSED_RESULTS)
            assert page.locator("svg.gp-chart").count() == 3
        failures += [f"{label}: {p}" for p in support.layout_problems(page)]
        result = support.run_axe(page)
        if result["violations"]:
            failures.append(f"{label}: " + support.describe_violations(result["violations"]))
    assert not failures, "\n".join(failures)


SEED_PAYLOADS = """
import sys
from formsvc import create_app
from formsvc.db import new_session
from formsvc.forms import surveys as answers
from formsvc.models import SurveyText
from formsvc.services import county_numbers, masking
from formsvc.services import surveys as svc
from formsvc.web.runtime import surveys
from sqlalchemy import select
payloads = open(sys.argv[1], encoding="utf-8").read().split("\\x1e")
app = create_app()
with app.app_context():
    s = new_session()
    survey = surveys()["school-meals-2026"]
    for text in payloads:
        answer, errors = answers.check(survey, {"grade": [1], "service": [1], "meals": [3],
                                                "advice": [text[:300]]}, "家长", "13800000000")
        assert not errors, errors
        svc.submit(s, survey, answer)
    for row in s.scalars(select(SurveyText).where(SurveyText.survey == survey.slug)):
        row.published = True
        row.public_text = masking.mask_text(row.text, [], county_numbers.public_numbers(s, app.config))
    s.commit()
"""


def test_xss_corpus_through_published_survey_texts(watched, server, staff, tmp_path) -> None:  # noqa: F811
    from tests.e2e.test_xss import PAYLOADS

    corpus = tmp_path / "payloads.txt"
    corpus.write_text("\x1e".join(p.text for p in PAYLOADS), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", SEED_PAYLOADS, str(corpus)], cwd=ROOT,
                          env=server.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    page, watch = watched()
    pages = (CLOSED_RESULTS + f"?page={n}" for n in (1, 2, 3))
    for path in pages:
        watch.visit(page, path)
    log_in(page, "fenban", STAFF_PASSWORD)
    for n in (1, 2, 3):
        watch.visit(page, f"/hdjl/staff/surveys/school-meals-2026?page={n}")
    watch.assert_clean()
