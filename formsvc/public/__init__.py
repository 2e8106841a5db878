"""HTML pages under /hdjl/: the forms, the 依申请公开 review step, the receipt and tracking."""

from formsvc.public.views import bp

__all__ = ["bp"]
