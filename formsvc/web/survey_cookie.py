"""The 网上调查 device mark: a signed cookie saying "this browser has answered survey X".

It stops the same browser from answering twice by mistake or by pressing back and submitting
again. It does not stop anyone who clears cookies, opens a private window or uses another
browser or device; the per-address limit (``SURVEY_ANSWERS_PER_ADDRESS``) is the second brake
and docs/surveys.md says plainly what neither stops. Signed (``SECRET_KEY``) so that a cookie
cannot be forged for a survey the browser did not answer, which would only block its owner.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

SALT = "survey-answered"
MAX_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days


def cookie_name(slug: str) -> str:
    """One cookie per survey, so that answering one never drops the mark of another."""
    return f"gp_survey_{slug}"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def answered(slug: str) -> bool:
    """Whether this browser carries a valid mark for ``slug``."""
    value = request.cookies.get(cookie_name(slug))
    if not value:
        return False
    try:
        return _serializer().loads(value) == slug
    except BadSignature:
        return False


def mark(response: Response, slug: str) -> Response:
    """Set the mark on ``response`` (after the answer was committed)."""
    response.set_cookie(cookie_name(slug), _serializer().dumps(slug), max_age=MAX_AGE,
                        path="/hdjl/surveys/", httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response
