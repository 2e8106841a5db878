"""Public letters (/hdjl/letters) and statistics (/hdjl/stats), as pages and in the JSON API."""

from flask import Blueprint

bp = Blueprint("letters", __name__)

from formsvc.letters import views  # noqa: E402,F401  (routes register on import)
