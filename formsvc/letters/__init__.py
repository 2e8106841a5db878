"""Public letters (/hdjl/letters) and statistics (/hdjl/stats): the pages (the JSON is in api/)."""

from formsvc.letters import report  # noqa: F401  (registers /hdjl/report on the blueprint)
from formsvc.letters.views import bp

__all__ = ["bp"]
