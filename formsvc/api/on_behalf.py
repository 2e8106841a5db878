"""``GET /api/v1/messages/<tracking_number>``: a trusted system reads the status of a message it
submitted, by the number alone (scope ``track_on_behalf``).

The 12345 platform or the county app keeps the numbers of what it filed for its users, not their
query codes. A key with this scope reads the same status a citizen reads with the code (the
``MessageStatus`` of ``/track``), and only for the messages a key of its own rotation chain
submitted (``message.api_key_id``, ``ApiKey.lineage``): not by channel, because several apps
share the channel ``api``. A number that does not exist, one that a citizen or another system
submitted, and a malformed one get the same 404. Every use is an audit line naming the key and
the number (formsvc/web/api_keys.py); the key's own rate limit counts each request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from formsvc.api.blueprint import bp
from formsvc.api.oas import error_response, json_response
from formsvc.db import get_session
from formsvc.forms.text import clean_text
from formsvc.services import tracking
from formsvc.web import api_keys, errors
from formsvc.web.extensions import track_limited
from formsvc.web.runtime import calendar

NOT_FOUND_MESSAGE = "该密钥提交的留言中没有这个受理编号"


@bp.get("/messages/<tracking_number>")
@track_limited
def message_on_behalf(tracking_number: str) -> Any:
    """The status of a message this key's chain submitted (KEY_REQUIRED: a key is checked)."""
    key = api_keys.current_key()
    if key is None:  # api_keys.KEY_REQUIRED answers 401 first; this keeps type checkers calm
        return errors.error_response(401, "api_key_required", "该接口需要 API 密钥")
    number = clean_text(tracking_number)[:40]
    api_keys.note_message(number)  # the audit line names what was asked for, found or not
    try:
        message = tracking.find_on_behalf(get_session(), number, key.lineage)
    except tracking.NotFound:
        return errors.error_response(404, "not_found", NOT_FOUND_MESSAGE)
    resp = jsonify(tracking.public_view(message, current_app.config, calendar()))
    resp.headers["Cache-Control"] = "no-store"
    return resp


SCHEMAS: dict[str, Any] = {}

PATHS: dict[str, Any] = {
    "/messages/{tracking_number}": {"get": {
        "operationId": "trackOnBehalf",
        "summary": "凭受理编号查询本密钥提交的留言的办理进度（对接系统，无需查询码）",
        "description": "需要带 track_on_behalf 权限的 API 密钥；只能查询该密钥（或轮换前的旧密钥）"
                       "提交的留言。编号不存在、不是本密钥提交的，回答相同（404）。",
        "parameters": [{"name": "tracking_number", "in": "path", "required": True,
                        "schema": {"type": "string", "maxLength": 40}}],
        "responses": {
            "200": json_response("MessageStatus", "办理状态、公开的办理过程、答复和评价"),
            "403": error_response("密钥没有 track_on_behalf 权限"),
            "404": error_response("编号不存在或不是本密钥提交的留言（两种情况回答相同）"),
            "429": error_response("超过该密钥的频率限制")}}},
}
