"""Pages of the public letter box (/hdjl/letters) and the statistics (/hdjl/stats, its CSV);
their JSON is formsvc/api/letters.py and formsvc/api/stats.py, reading the same filters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from formsvc.config import county_date
from formsvc.db import get_session, utcnow
from formsvc.domain import kinds
from formsvc.domain.channels import CHANNELS
from formsvc.letters.charts import bar_chart
from formsvc.services import departments as departments_svc
from formsvc.services import letters as letters_svc
from formsvc.services import participation as participation_svc
from formsvc.services import stats as stats_svc
from formsvc.web.errors import error_response
from formsvc.web.filters import MAX_ID, letter_filters, stats_period
from formsvc.web.runtime import calendar, consultations

bp = Blueprint("letters", __name__)

# --- letters ---------------------------------------------------------------------------------------


@bp.get("/hdjl/letters")
def letter_list() -> Any:
    """Published letters, newest reply first, filtered by kind and department."""
    f = letter_filters(request.args)
    db = get_session()
    page = letters_svc.published(db, f.kind, f.department, f.page)
    args = {k: v for k, v in (("kind", f.kind), ("department", f.department)) if v}
    return render_template(
        "letters/list.html", page=page, kind=f.kind, department=f.department,
        kind_items=[("", "全部类型"), *((k.code, k.label) for k in kinds.KINDS)],
        department_items=[("", "全部单位"), *((d.code, d.name) for d in
                                              letters_svc.departments_with_letters(db))],
        pages=[url_for("letters.letter_list", **args, page=n) for n in range(1, page.pages + 1)],
        kind_label=kinds.label)


@bp.get("/hdjl/letters/<int:letter_id>")
def letter_detail(letter_id: int) -> Any:
    """One published letter; 404 when it does not exist or was withdrawn."""
    letter = letters_svc.get(get_session(), letter_id) if letter_id <= MAX_ID else None
    if letter is None:
        abort(404)
    return render_template("letters/detail.html", letter=letters_svc.public_dict(letter))


# --- statistics ------------------------------------------------------------------------------------


def _stats() -> tuple[stats_svc.Stats | None, list[dict[str, str]]]:
    today = county_date(current_app.config, utcnow())
    period = stats_period(request.args, today)
    if period.errors:
        return None, [{"text": text, "href": f"#{name}"} for name, text in period.errors]
    return stats_svc.compute(get_session(), current_app.config, calendar(), today,
                             period.date_from, period.date_to), []


@bp.get("/hdjl/stats")
def stats_page() -> Any:
    """The figures per department, with SVG charts of the ranked rates (no script)."""
    result, errors = _stats()
    charts = []
    if result is not None:
        ranked = result.ranked
        for chart_id, title, attr in (("chart-on-time", "按期答复率", "on_time_rate"),
                                      ("chart-reply", "答复率", "reply_rate"),
                                      ("chart-satisfaction", "满意率", "satisfaction_rate")):
            items = [(r.name, getattr(r, attr)) for r in ranked if getattr(r, attr) is not None]
            caption = f"各单位{title}（收件不少于 {result.min_count} 件的单位）"
            charts.append({"title": caption,
                           "svg": bar_chart(chart_id, caption, items) if items else None})
    period_args = {k: v for k, v in (("from", request.args.get("from", "")),
                                     ("to", request.args.get("to", ""))) if v}
    drafts, by_dept = participation_svc.statistics(
        get_session(), consultations(),
        {d.code: d.name for d in departments_svc.snapshot(get_session()).by_code.values()})
    return render_template("letters/stats.html", stats=result, errors=errors, charts=charts,
                           draft_figures=drafts, draft_figures_by_dept=by_dept,
                           percent=stats_svc.percent, args=request.args, CHANNELS=CHANNELS,
                           csv_url=url_for("letters.stats_csv", **period_args),
                           json_url=url_for("api.get_stats", **period_args)), \
        400 if errors else 200


@bp.get("/hdjl/stats.csv")
def stats_csv() -> Any:
    """The same figures as a CSV download (Chinese headers, a BOM for spreadsheets)."""
    result, errors = _stats()
    if result is None:
        return error_response(400, "invalid_period", errors[0]["text"])
    name = f"hdjl-stats-{result.date_from or 'all'}-{result.date_to or result.today}.csv"
    return Response(stats_svc.to_csv(result), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
