"""定期通报 as HTML and PDF: the public part on the portal (/hdjl/report, months that have ended)
and the rendering the workbench's internal report and ``supervision-report`` share."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request

import pelicanconf
from formsvc.config import county_date
from formsvc.db import get_session, utcnow
from formsvc.domain.supervision import SIGN_WITHIN_WORKING_DAYS, Period, month_of, parse_period
from formsvc.letters.charts import trend_chart
from formsvc.letters.views import bp
from formsvc.services import monthly_report, performance, report_files, report_pdf
from formsvc.services.stats import percent
from formsvc.web.errors import error_response
from formsvc.web.runtime import calendar


def charts(report: monthly_report.MonthlyReport) -> list[dict[str, Any]]:
    """The trend charts (SVG) of the report: receipts and the rates, month by month."""
    items = [(p.period.label[5:], p) for p in report.trend]
    out = [{"title": "受理留言数（件）",
            "svg": trend_chart("trend-received", "近六个月受理留言数",
                               [(label, p.received) for label, p in items], percent=False)}]
    for attr, title in (("on_time_rate", "按期答复率"), ("satisfaction_rate", "满意率"),
                        ("response_rate", "响应率")):
        out.append({"title": title, "svg": trend_chart(
            f"trend-{attr.replace('_', '-')}", f"近六个月{title}",
            [(label, getattr(p, attr)) for label, p in items])})
    return out


def page_context(report: monthly_report.MonthlyReport) -> dict[str, Any]:
    """What the report's templates read."""
    return {"report": report, "charts": charts(report), "percent": percent,
            "score_grade": performance.score_grade, "SCORE_GRADES": performance.SCORE_GRADES,
            "SIGN_WITHIN_WORKING_DAYS": SIGN_WITHIN_WORKING_DAYS}


def html(report: monthly_report.MonthlyReport, template: str, **extra: Any) -> str:
    """The report rendered with ``template`` (public or workbench frame)."""
    return render_template(template, errors=[], args={}, **extra, **page_context(report))


def pdf(report: monthly_report.MonthlyReport) -> bytes:
    """The report as a PDF."""
    return report_pdf.render(report, current_app.config, pelicanconf.SITENAME)


def pdf_response(period: Period, public: bool) -> Response:
    """The month's PDF as a download, or a 503 in Chinese when the font is missing. A month that
    has ended is served from its stored file (rendered and stored on the first request,
    services/report_files.py); the running month is rendered each time, its figures still move."""
    def render() -> bytes:
        return pdf(build(period, public))

    today = county_date(current_app.config, utcnow())
    try:
        body = report_files.stored_or_render(current_app.config, period, public, render) \
            if period.end < today else render()
    except report_pdf.FontMissing as exc:
        return error_response(503, exc.code, exc.message)
    name = report_files.pdf_name(period, public)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def requested_month(latest: Period) -> Period:
    """The month of ``?month=`` (default ``latest``); ValueError with a Chinese message."""
    raw = request.args.get("month") or latest.key
    period = parse_period(raw)
    if period.kind != "month":
        raise ValueError("请按月份查看通报，例如 2026-11")
    if period.start > latest.start:
        raise ValueError(f"通报只包含已结束的月份，最近一期为 {latest.label}")
    return period


def build(period: Period, public: bool) -> monthly_report.MonthlyReport:
    """The month's report as of today, whole or its public part."""
    today = county_date(current_app.config, utcnow())
    report = monthly_report.build(get_session(), current_app.config, calendar(), period, today)
    return report.public_copy() if public else report


@bp.get("/hdjl/report")
def public_report() -> Any:
    """定期通报 (public part): a month that has ended; ``format=pdf`` for the printable copy."""
    today = county_date(current_app.config, utcnow())
    latest = month_of(today).previous()
    try:
        period = requested_month(latest)
    except ValueError as exc:
        return Response(render_template("report/monthly_public.html", report=None,
                                        errors=[{"text": str(exc), "href": "#month"}],
                                        latest=latest, args=request.args), status=400)
    if request.args.get("format") == "pdf":
        return pdf_response(period, public=True)
    report = build(period, public=True)
    return render_template("report/monthly_public.html", errors=[], latest=latest,
                           args=request.args, **page_context(report))
