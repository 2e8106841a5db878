"""Flask extensions shared by the blueprints: CSRF protection and rate limiting."""

from __future__ import annotations

import flask_limiter
from flask import current_app, request
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    # behind nginx, ProxyFix (PROXY_COUNT) has already put the client's address here
    return request.remote_addr or "unknown"


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter without its before-request pass while that pass has nothing to check.

    Flask-Limiter checks every request twice: once in a ``before_request`` hook, for default,
    application, blueprint and meta limits, and again in the decorator of a limited view. The
    portal's limits are all on views (submit, draft, track, staff login), so the first pass only
    did bookkeeping: 6.5 % of the instructions of a whole API submission (callgrind,
    docs/performance.md). Once any limit the pass would check is configured (RATELIMIT_DEFAULT,
    RATELIMIT_APPLICATION, RATELIMIT_META, a limit on a blueprint, an in-memory fallback) it runs
    as before; ``tests/formsvc/test_rate_limits.py`` holds both cases.
    """

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if in_middleware and not self.checks_before_request():
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def checks_before_request(self) -> bool:
        """Whether any limit is configured that only the before-request pass would check."""
        manager = self.limit_manager
        return bool(manager.default_limits or manager.application_limits or self._meta_limits
                    or manager._blueprint_limits or self._in_memory_fallback)


csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI (memory:// by default, redis://… with several workers).
limiter = Limiter(key_func=client_address)


def submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


def track_limit() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]


# Shared scopes: the HTML form and the API draw on the same allowance per client.
submit_limited = limiter.shared_limit(submit_limit, scope="submit", methods=["POST"])
draft_limited = limiter.shared_limit(submit_limit, scope="draft", methods=["POST"])
track_limited = limiter.shared_limit(track_limit, scope="track", methods=["POST"])
