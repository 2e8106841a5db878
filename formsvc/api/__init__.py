"""The JSON API under /api/v1/ (for the 12345 hotline, mobile apps and tests)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from formsvc.api import views  # noqa: E402,F401  (routes register on import)
