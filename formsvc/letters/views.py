from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, abort, current_app, jsonify, render_template, request, url_for

from formsvc.config import county_zone
from formsvc.db import get_session, utcnow
from formsvc.domain import kinds
from formsvc.forms.text import clean_text
from formsvc.letters import bp
from formsvc.letters.charts import bar_chart
from formsvc.services import letters as letters_svc
from formsvc.services import stats as stats_svc
from formsvc.services.workbench import parse_date
from formsvc.web.errors import error_response
from formsvc.web.runtime import calendar


def _today() -> date:
    return utcnow().astimezone(county_zone(current_app.config)).date()


def _filters() -> tuple[str, str, int]:
    kind = request.args.get("kind", "")
    kind = kind if kinds.get(kind) else ""
    # cleaned: a NUL in the filter reaches PostgreSQL as a query parameter it refuses (a 500)
    dept = clean_text(request.args.get("department") or "")[:32]
    page = request.args.get("page", 1, type=int) or 1
    return kind, dept, page


# --- letters ---------------------------------------------------------------------------------------


@bp.get("/hdjl/letters")
def letter_list() -> Any:
    kind, dept, page_no = _filters()
    db = get_session()
    page = letters_svc.published(db, kind, dept, page_no)
    args = {k: v for k, v in (("kind", kind), ("department", dept)) if v}
    return render_template(
        "letters/list.html", page=page, kind=kind, department=dept,
        kind_items=[("", "全部类型"), *((k.code, k.label) for k in kinds.KINDS)],
        department_items=[("", "全部单位"), *((d.code, d.name) for d in
                                              letters_svc.departments_with_letters(db))],
        pages=[url_for("letters.letter_list", **args, page=n) for n in range(1, page.pages + 1)],
        kind_label=lambda c: kinds.get(c).label if kinds.get(c) else c)  # type: ignore[union-attr]


# Ids are INTEGER columns (32-bit on PostgreSQL); a larger number in the URL cannot name a letter
# and would overflow the database driver: a 500 instead of a 404.
MAX_ID = 2**31 - 1


def _letter(letter_id: int) -> Any:
    return letters_svc.get(get_session(), letter_id) if letter_id <= MAX_ID else None


@bp.get("/hdjl/letters/<int:letter_id>")
def letter_detail(letter_id: int) -> Any:
    letter = _letter(letter_id)
    if letter is None:
        abort(404)
    return render_template("letters/detail.html", letter=letters_svc.public_dict(letter))


@bp.get("/api/v1/letters")
def api_letters() -> Any:
    kind, dept, page_no = _filters()
    per_page = min(50, max(1, request.args.get("per_page", letters_svc.PER_PAGE, type=int) or 20))
    page = letters_svc.published(get_session(), kind, dept, page_no, per_page)
    return jsonify({"total": page.total, "page": page.page, "pages": page.pages,
                    "per_page": per_page,
                    "items": [letters_svc.public_dict(x) for x in page.letters]})


@bp.get("/api/v1/letters/<int:letter_id>")
def api_letter(letter_id: int) -> Any:
    letter = _letter(letter_id)
    if letter is None:
        return error_response(404, "not_found", "该公开信件不存在或已撤回")
    return jsonify(letters_svc.public_dict(letter))


# --- statistics ------------------------------------------------------------------------------------


def _period() -> tuple[date | None, date | None, list[dict[str, str]]]:
    """The period from ?from=&to=, by default the current year so far."""
    errors = []
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    date_from, date_to = parse_date(raw_from), parse_date(raw_to)
    if raw_from and date_from is None:
        errors.append({"text": "开始日期格式应为 YYYY-MM-DD", "href": "#from"})
    if raw_to and date_to is None:
        errors.append({"text": "结束日期格式应为 YYYY-MM-DD", "href": "#to"})
    if not raw_from and not raw_to:
        today = _today()
        date_from, date_to = date(today.year, 1, 1), today
    if date_from and date_to and date_from > date_to:
        errors.append({"text": "开始日期不能晚于结束日期", "href": "#from"})
    return date_from, date_to, errors


def _stats() -> tuple[stats_svc.Stats | None, list[dict[str, str]]]:
    date_from, date_to, errors = _period()
    if errors:
        return None, errors
    return stats_svc.compute(get_session(), current_app.config, calendar(), _today(), date_from,
                             date_to), []


@bp.get("/hdjl/stats")
def stats_page() -> Any:
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
    csv_args = {k: v for k, v in (("from", request.args.get("from", "")),
                                  ("to", request.args.get("to", ""))) if v}
    return render_template("letters/stats.html", stats=result, errors=errors, charts=charts,
                           percent=stats_svc.percent, args=request.args,
                           csv_url=url_for("letters.stats_csv", **csv_args)), 400 if errors else 200


@bp.get("/hdjl/stats.csv")
def stats_csv() -> Any:
    result, errors = _stats()
    if result is None:
        return error_response(400, "invalid_period", errors[0]["text"])
    name = f"hdjl-stats-{result.date_from or 'all'}-{result.date_to or result.today}.csv"
    return Response(stats_svc.to_csv(result), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/api/v1/stats")
def api_stats() -> Any:
    result, errors = _stats()
    if result is None:
        return error_response(400, "invalid_period", "；".join(e["text"] for e in errors))
    return jsonify(result.as_dict())
