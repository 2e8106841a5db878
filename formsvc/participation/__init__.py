"""Public pages of 意见征集, 网上听证 and 在线访谈 under /hdjl/yjzj/ and /hdjl/ft/."""

from formsvc.participation.views import bp

__all__ = ["bp"]
