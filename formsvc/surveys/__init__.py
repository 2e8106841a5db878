"""网上调查 pages (/hdjl/surveys): the list, the form, the thank-you page, the public results."""

from formsvc.surveys.views import bp

__all__ = ["bp"]
