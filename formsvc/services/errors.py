"""What a service says when it refuses: a stable code and a Chinese message.

Views show the message beside the field (pages) or return ``{"code", "message"}`` (the API);
each service raises its own subclass, so a caller catches exactly the refusals it expects.
"""

from __future__ import annotations


class ServiceError(ValueError):
    """A refusal: ``code`` is stable English for programs, ``message`` Chinese for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
