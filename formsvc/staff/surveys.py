"""网上调查 in the workbench: the department's surveys with live counts, the free-text answers
to publish or withdraw (masked as letters are), and the CSV export of every answer.

Scope as everywhere in the workbench: a department's staff see its own surveys, county-wide
roles every survey; a survey outside the scope is a 404 like an unknown one.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from formsvc.db import get_session
from formsvc.domain import surveys as survey_defs
from formsvc.domain.surveys import Survey
from formsvc.services import surveys as survey_svc
from formsvc.staff.views import _staff, bp
from formsvc.web import audit_log
from formsvc.web.runtime import surveys as current_surveys


def _managed(slug: str) -> Survey:
    survey = current_surveys().get(slug)
    if survey is None or not survey_svc.may_manage(_staff(), survey):
        abort(404)
    return survey


@bp.get("/surveys")
def surveys() -> Any:
    """The surveys of the staff member's scope, with how many answers each has now."""
    db = get_session()
    today = survey_defs.today(current_app.config)
    rows = [(s, s.state(today), survey_svc.counts(db, s.slug).get(survey_svc.RESPONSES, 0))
            for s in survey_svc.visible(_staff(), current_surveys())]
    return render_template("survey/staff_list.html", rows=rows, labels=survey_defs.STATE_LABELS)


@bp.get("/surveys/<slug>")
def survey(slug: str) -> Any:
    """Live counts of one survey, and its free-text answers, newest first."""
    found = _managed(slug)
    page = request.args.get("page", "1")
    page_no = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 100_000 else 1
    db = get_session()
    return render_template(
        "survey/staff_survey.html", survey=found, results=survey_svc.results(db, found),
        state=found.state(survey_defs.today(current_app.config)), labels=survey_defs.STATE_LABELS,
        texts=survey_svc.texts(db, found, published_only=False, page=page_no), page=page_no,
        per_page=survey_svc.TEXTS_PER_PAGE, questions={q.number: q for q in found.questions})


@bp.post("/surveys/<slug>/texts/<int:text_id>")
def survey_text(slug: str, text_id: int) -> Any:
    """Publish (masked) or withdraw one free-text answer."""
    found = _managed(slug)
    publish = request.form.get("action") == "publish"
    try:
        survey_svc.set_published(get_session(), current_app.config, _staff(), found, text_id, publish)
    except survey_svc.SurveyRefused as exc:
        audit_log.record("survey_text", exc.code, staff=_staff(), message=f"{slug}#{text_id}")
        abort(404)
    audit_log.record("survey_text_publish" if publish else "survey_text_withdraw", "ok",
                     staff=_staff(), message=f"{slug}#{text_id}")
    flash("已公开（已隐去个人信息），调查结束后显示在结果页" if publish else "已撤回公开")
    return redirect(url_for("staff.survey", slug=slug, page=request.form.get("page", "1")) + "#texts",
                    code=303)


@bp.get("/surveys/<slug>.csv")
def survey_csv(slug: str) -> Any:
    """Every answer as CSV (cells that would start a formula are quoted)."""
    found = _managed(slug)
    audit_log.record("survey_export", "ok", staff=_staff(), message=slug)
    return Response(survey_svc.export_csv(get_session(), current_app.config, found),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="survey-{slug}.csv"'})
