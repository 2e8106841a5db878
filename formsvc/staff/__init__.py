"""The department workbench under /hdjl/staff/: login, queues, message pages and actions."""

from formsvc.staff import (
    intake,  # noqa: F401  (registers the 代录 pages on the blueprint)
    supervision_pages,  # noqa: F401  (电子监察 pages)
)
from formsvc.staff.views import bp

__all__ = ["bp"]
