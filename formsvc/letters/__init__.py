"""Public letters (/hdjl/letters) and statistics (/hdjl/stats): the pages (the JSON is in api/)."""

from flask import Blueprint

bp = Blueprint("letters", __name__)

from formsvc.letters import views  # noqa: E402,F401  (routes register on import)
