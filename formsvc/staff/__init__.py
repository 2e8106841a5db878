"""The department workbench under /hdjl/staff/: login, queues, message pages and actions."""

from formsvc.staff import (
    admin,  # noqa: F401  (the admin's account and API-key screens)
    bulk,  # noqa: F401  (bulk 分办 from the dispatch queue)
    intake,  # noqa: F401  (registers the 代录 pages on the blueprint)
)
from formsvc.staff.views import bp

__all__ = ["bp"]
