"""``GET /api/v1/stats``: the handling figures per department for a period of receipt dates,
the same as the /hdjl/stats page."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request

from formsvc.api.blueprint import bp
from formsvc.api.oas import COUNT, DATE, STR, error_response, json_response, obj, query_param, ref
from formsvc.config import county_date
from formsvc.db import get_session, utcnow
from formsvc.domain.channels import CHANNELS
from formsvc.domain.supervision import SIGN_WITHIN_WORKING_DAYS
from formsvc.services import stats
from formsvc.web import errors
from formsvc.web.filters import stats_period
from formsvc.web.runtime import calendar


@bp.get("/stats")
def get_stats() -> Any:
    """The figures for ?from=&to= (receipt dates; by default this year so far)."""
    today = county_date(current_app.config, utcnow())
    period = stats_period(request.args, today)
    if period.errors:
        return errors.error_response(400, "invalid_period",
                                     "；".join(text for _, text in period.errors))
    result = stats.compute(get_session(), current_app.config, calendar(), today,
                           period.date_from, period.date_to)
    return jsonify(result.as_dict())


# --- OpenAPI -------------------------------------------------------------------------------------

_RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}

SCHEMAS: dict[str, Any] = {
    "DepartmentStats": obj({
        "code": STR, "name": STR, "received": COUNT, "replied": COUNT, "on_time": COUNT,
        "overdue_now": COUNT, "rated": COUNT, "satisfied": COUNT,
        "ranked": {"type": "boolean", "description": "收件数达到最低件数、参与排名"},
        "rank": {"type": ["integer", "null"]},
        "reply_rate": {**_RATE, "description": "答复率 = 答复数 ÷ 收件数"},
        "on_time_rate": {**_RATE, "description": "按期答复率 = 按期答复数 ÷ 答复数"},
        "satisfaction_rate": {**_RATE, "description": "满意率 = (满意 + 基本满意) ÷ 评价数"},
        "mean_working_days": {"type": ["number", "null"], "description": "平均答复用时（工作日）"},
        "signed": {**COUNT, "description": "承办单位已签收数"},
        "responded": {**COUNT, "description": f"分办后 {SIGN_WITHIN_WORKING_DAYS} 个工作日内签收数"},
        "response_rate": {**_RATE, "description": f"响应率 = {SIGN_WITHIN_WORKING_DAYS} 个工作日内签收数 "
                                                   "÷ 收件数"},
    }),
    "Stats": obj({
        "period": obj({"from": {"type": ["string", "null"], "format": "date"},
                        "to": {"type": ["string", "null"], "format": "date"}}),
        "as_of": DATE,
        "min_count": {"type": "integer", "description": "参与排名的最低收件数"},
        "departments": {"type": "array", "items": ref("DepartmentStats"),
                        "description": "参与排名的单位在前（按名次），其余按收件数"},
        "total": ref("DepartmentStats"),
        "undispatched": COUNT, "rejected": COUNT, "duplicates": COUNT,
        "channels": {**obj({code: {**COUNT, "description": label}
                             for code, label in CHANNELS.items()}),
                     "description": "期间内按渠道统计的收件数（含重复件）"},
    }),
}

PATHS: dict[str, Any] = {
    "/stats": {"get": {
        "operationId": "getStats", "summary": "各单位留言办理统计",
        "parameters": [query_param("from", "受理日期起（YYYY-MM-DD），默认本年 1 月 1 日", DATE),
                       query_param("to", "受理日期止（YYYY-MM-DD），默认今天", DATE)],
        "responses": {"200": json_response("Stats", "统计数据"),
                      "400": error_response("日期格式错误或起止颠倒")}}},
}
