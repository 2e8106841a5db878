"""The department workbench under /hdjl/staff/: login, queues, message pages and actions."""

from formsvc.staff import (
    admin,  # noqa: F401  (the admin's account and API-key screens)
    bulk,  # noqa: F401  (bulk 分办 from the dispatch queue)
    intake,  # noqa: F401  (registers the 代录 pages on the blueprint)
    moderation,  # noqa: F401  (意见征集 and 访谈提问 moderation pages)
    supervision_pages,  # noqa: F401  (电子监察 pages)
    surveys,  # noqa: F401  (registers the 网上调查 pages on the blueprint)
)
from formsvc.staff.views import bp

__all__ = ["bp"]
