"""电子监察 screens of the workbench: the notices (督办/纠错) a department must answer, the
performance table (绩效评估), the internal monthly report, and the warning counts every
department reads in its inbox."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from formsvc.domain.supervision import (
    GRADE_LABELS,
    NOTICE_KINDS,
    PERIOD_KINDS,
    RATE_LABELS,
    RULE,
    month_of,
    parse_period,
)
from formsvc.letters import report as report_view
from formsvc.models.staff import Staff
from formsvc.services import performance, warnings
from formsvc.services.stats import percent
from formsvc.services.workbench import notices
from formsvc.staff.views import _ctx, _staff, bp

SUPERVISOR_ROLES = ("supervisor", "admin")
# who reads notices: supervisors (all), and the department staff (their own)
NOTICE_READERS = ("supervisor", "admin", "handler", "reviewer")


def _supervisor() -> Staff:
    staff = _staff()
    if staff.role not in SUPERVISOR_ROLES:
        abort(404)
    return staff


@bp.context_processor
def supervision_context() -> dict[str, Any]:
    """``warning_counts()``: the staff member's department's yellow and red messages and its
    unanswered notices (called by the inbox only, so other pages pay nothing)."""
    def warning_counts() -> dict[str, int] | None:
        staff = _staff()
        if staff.department_id is None:
            return None
        ctx = _ctx()
        grades = warnings.counts(ctx, staff.department_id).get(staff.department_id)
        return {"yellow": grades.yellow if grades else 0, "red": grades.red if grades else 0,
                "notices": notices.unanswered_counts(ctx.session).get(staff.department_id, 0)}
    return {"warning_counts": warning_counts, "GRADE_LABELS": GRADE_LABELS}


@bp.get("/notices")
def notices_page() -> Any:
    """督办/纠错 notices: unanswered first; the department's own, or all for supervisors."""
    staff = _staff()
    if staff.role not in NOTICE_READERS:
        abort(404)
    rows = notices.listing(_ctx(), staff)
    return render_template("staff/notices.html", rows=rows, NOTICE_KINDS=NOTICE_KINDS)


@bp.route("/performance", methods=["GET", "POST"])
def performance_page() -> Any:
    """绩效评估: the ranked table of a month, quarter or year; POST stores it (存档)."""
    _supervisor()
    ctx = _ctx()
    raw = request.values.get("period") or month_of(ctx.today).previous().key
    try:
        period = parse_period(raw)
    except ValueError as exc:
        return render_template("staff/performance.html", scores=None, raw=raw,
                               errors=[{"text": str(exc), "href": "#period"}],
                               **_labels()), 400
    if request.method == "POST":
        scores = performance.compute(ctx.session, ctx.config, ctx.calendar, period, ctx.today)
        n = performance.store(ctx.session, scores, ctx.now)
        flash(f"已存档 {period.label} 的绩效评估（{n} 个单位，规则版本 {RULE.version}）")
        return redirect(url_for("staff.performance_page", period=period.key), code=303)
    scores = performance.stored(ctx.session, ctx.config, period) or performance.compute(
        ctx.session, ctx.config, ctx.calendar, period, ctx.today)
    return render_template("staff/performance.html", scores=scores, raw=raw, errors=[],
                           **_labels())


def _labels() -> dict[str, Any]:
    return {"percent": percent, "RATE_LABELS": RATE_LABELS, "RULE": RULE,
            "PERIOD_KINDS": PERIOD_KINDS}


@bp.get("/report")
def report_page() -> Any:
    """定期通报, the internal report: with the late and unsatisfied cases; ``format=pdf``."""
    _supervisor()
    ctx = _ctx()
    latest = month_of(ctx.today).previous()
    try:
        period = report_view.requested_month(month_of(ctx.today))  # the running month too
    except ValueError as exc:
        return render_template("staff/report.html", report=None, latest=latest,
                               errors=[{"text": str(exc), "href": "#month"}],
                               args=request.args), 400
    if request.args.get("format") == "pdf":
        return report_view.pdf_response(period, public=False)
    report = report_view.build(period, public=False)
    return render_template("staff/report.html", latest=latest, errors=[], args=request.args,
                           **report_view.page_context(report))
