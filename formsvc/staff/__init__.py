"""The department workbench under /hdjl/staff/: login, queues, message pages and actions."""

from formsvc.staff.views import bp

__all__ = ["bp"]
