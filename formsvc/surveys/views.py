"""Pages of 网上调查 (/hdjl/surveys): the list, the form, the thank-you page and, once a survey
has closed, its results. The JSON is formsvc/api/surveys.py over the same services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from formsvc.db import get_session
from formsvc.domain import surveys as survey_defs
from formsvc.domain.surveys import Survey
from formsvc.forms import HONEYPOT
from formsvc.forms import surveys as answers
from formsvc.letters.charts import bar_chart
from formsvc.services import departments
from formsvc.services import surveys as survey_svc
from formsvc.web import survey_cookie
from formsvc.web.errors import error_response
from formsvc.web.extensions import over_limit, survey_limited
from formsvc.web.runtime import surveys as current_surveys

bp = Blueprint("survey", __name__, url_prefix="/hdjl/surveys")

HONEYPOT_MESSAGE = "提交未被受理：表单中隐藏的“网址”一项被填写，这通常是自动程序所为。如您是本人填写，请刷新页面后重新提交。"


def department_name(code: str) -> str:
    """The name of the department that runs a survey (its code if the registry lacks it)."""
    found = departments.by_code(get_session(), code)
    return found.name if found is not None else code


def survey_or_404(slug: str) -> Survey:
    """The survey of ``slug``, or a 404."""
    survey = current_surveys().get(slug)
    if survey is None:
        abort(404)
    return survey


@bp.get("/")
def survey_list() -> Any:
    """Surveys open now, upcoming, and closed (with a link to their results)."""
    today = survey_defs.today(current_app.config)
    groups: dict[str, list[Survey]] = {"open": [], "upcoming": [], "closed": []}
    for s in sorted(current_surveys().values(), key=lambda s: (s.closes, s.slug), reverse=True):
        groups[s.state(today)].append(s)
    return render_template("survey/list.html", groups=groups, labels=survey_defs.STATE_LABELS)


def _render_form(survey: Survey, state: str, values: dict[str, Any], errors: dict[str, str],
                 status: int = 200, *, already: bool = False) -> Any:
    summary = [{"text": text, "href": "#" + key} for key, text in errors.items()]
    return render_template("survey/form.html", survey=survey, state=state, values=values,
                           errors=errors, summary=summary, honeypot=HONEYPOT, already=already,
                           field_name=answers.field_name, name_max=answers.NAME_MAX,
                           department=department_name(survey.department)), status


@bp.route("/<slug>", methods=["GET", "POST"])
@survey_limited
def answer(slug: str) -> Any:
    """The survey's form; a valid POST stores the answer (committed) and shows the thanks."""
    survey = survey_or_404(slug)
    state = survey.state(survey_defs.today(current_app.config))
    if request.method == "GET" or state != "open":
        status = 200 if request.method == "GET" else 409
        return _render_form(survey, state, {}, {}, status,
                            already=survey_cookie.answered(slug))
    if request.form.get(HONEYPOT):
        return error_response(400, "spam_suspected", HONEYPOT_MESSAGE)
    if survey_cookie.answered(slug):
        return _render_form(survey, state, {}, {}, 409, already=True)
    raw, name, phone = answers.from_form(survey, request.form)
    answer_, errors = answers.check(survey, raw, name, phone)
    if errors:
        values = {**{k: [str(v) for v in vs] for k, vs in raw.items()}, "name": name, "phone": phone}
        return _render_form(survey, state, values, errors, 400)
    if over_limit("SURVEY_ANSWERS_PER_ADDRESS", f"survey:{slug}"):
        return error_response(429, "survey_address_limit", survey_defs.ADDRESS_LIMIT_MESSAGE)
    try:
        survey_svc.submit(get_session(), survey, answer_)
    except survey_svc.SurveyFailed:
        return error_response(503, "survey_failed", survey_defs.FAILED_MESSAGE)
    # only now, after the commit, the thanks and the mark of this browser
    return survey_cookie.mark(redirect(url_for(".thanks", slug=slug), code=303), slug)


@bp.get("/<slug>/thanks")
def thanks(slug: str) -> Any:
    """After a stored answer: thanks, and when the results will be published."""
    return render_template("survey/thanks.html", survey=survey_or_404(slug))


@bp.get("/<slug>/results")
def results(slug: str) -> Any:
    """The results of a closed survey: a chart and a table per question, published texts."""
    survey = survey_or_404(slug)
    state = survey.state(survey_defs.today(current_app.config))
    if state != "closed":
        return render_template("survey/not_yet.html", survey=survey), 404
    page = request.args.get("page", "1")
    page_no = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    db = get_session()
    found = survey_svc.results(db, survey)
    charts = {q.number: bar_chart(f"survey-q{q.number}", f"{q.number}. {q.text}",
                                  [(o.label, o.share) for o in q.options]) for q in found.questions}
    texts = survey_svc.texts(db, survey, published_only=True, page=page_no)
    return render_template("survey/results.html", survey=survey, results=found, charts=charts,
                           department=department_name(survey.department),
                           texts=texts, page=page_no, per_page=survey_svc.TEXTS_PER_PAGE,
                           questions={q.number: q for q in survey.questions})
