"""The department workbench under /hdjl/staff/: login, queues, message pages and actions."""

from flask import Blueprint

# static/: the workbench stylesheet, served as /hdjl/staff/static/staff.css
bp = Blueprint("staff", __name__, url_prefix="/hdjl/staff", static_folder="static")

from formsvc.staff import views  # noqa: E402,F401  (routes register on import)
