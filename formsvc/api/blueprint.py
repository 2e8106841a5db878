"""The one blueprint of the JSON API: every route of /api/v1/ is registered on it by the
resource modules of this package."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
