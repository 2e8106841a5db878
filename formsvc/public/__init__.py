"""HTML pages under /hdjl/: the forms, the 依申请公开 review step, the receipt and tracking."""

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/hdjl")

from formsvc.public import views  # noqa: E402,F401  (routes register on import)
