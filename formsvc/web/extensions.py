"""Flask extensions shared by the blueprints: CSRF protection and rate limiting."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

import flask_limiter
from flask import current_app, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem, parse_many

from formsvc.web.api_keys import current_key

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def client_address() -> str:
    # behind nginx, ProxyFix (PROXY_COUNT) has already put the client's address here
    """The client's address (behind nginx, ProxyFix has put it here)."""
    return request.remote_addr or "unknown"


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter without its before-request pass while that pass has nothing to check.

    Flask-Limiter checks every request twice: once in a ``before_request`` hook, for default,
    application, blueprint and meta limits, and again in the decorator of a limited view. The
    portal's limits are all on views (staff login here; submit, draft and track below), so the first pass only
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


@dataclass(frozen=True)
class _Breached:
    """What RateLimitExceeded and formsvc/web/errors.py read of a limit (Retry-After, message)."""

    limit: RateLimitItem
    error_message: str | None = None


def shared_scope_limit(config_key: str, scope: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Limit POSTs to a view by the limits in ``config[config_key]``, per client address, in a
    counter ``scope`` every view so decorated shares (the HTML form and the API draw on one
    allowance). A request with a valid API key counts against the key's own limit instead
    (``API_KEY_RATE_LIMIT`` unless the key has one), in the counter ``KEY_SCOPE`` of that key.

    The same counters as Flask-Limiter's ``shared_limit`` (its strategy and storage, the same
    keys) without its per-request resolution of exemptions, filters, hints and meta limits, which
    these views do not use: that bookkeeping was 9.4 % of the instructions of an API submission
    (callgrind, docs/performance.md). RATELIMIT_ENABLED and RATELIMIT_SWALLOW_ERRORS mean what
    they mean to Flask-Limiter.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def limited(*args: P.args, **kwargs: P.kwargs) -> R:
            key = current_key()
            # POSTs, and every request with a key (a key's GET on behalf counts too)
            if (request.method == "POST" or key is not None) and limiter.enabled:
                # a trusted system's key has one allowance of its own instead (web/api_keys.py)
                breached = _hit(current_app.config[config_key], client_address(), scope) \
                    if key is None else _hit(key.rate_limit or current_app.config[
                        "API_KEY_RATE_LIMIT"], f"apikey:{key.id}", KEY_SCOPE)
                if breached is not None:
                    raise RateLimitExceeded(_Breached(breached))  # type: ignore[arg-type]
            return view(*args, **kwargs)

        return limited

    return decorator


def _hit(spec: str, key: str, scope: str) -> RateLimitItem | None:
    """Count one request against every limit of ``spec``; the first limit it exceeds, if any.

    When the counters cannot be reached (Redis down) and RATELIMIT_SWALLOW_ERRORS is set, the
    request goes through and the log says so: a citizen's message must not be lost to an outage
    of the rate limiter, whose counters are only a brake (docs/deploy.md).
    """
    try:
        for item in _parsed(spec):
            if not limiter.limiter.hit(item, key, scope):
                return item
    except Exception:
        if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS"):
            raise
        log.exception("formsvc: rate-limit storage unreachable; %s not counted", scope)
    return None


@lru_cache(maxsize=32)
def _parsed(spec: str) -> tuple[RateLimitItem, ...]:
    # "10 per hour;30 per day": the longest window last, as Flask-Limiter orders them
    return tuple(sorted(parse_many(spec)))


# One allowance per API key, whatever the action.
KEY_SCOPE = "apikey"
# The form and the API draw on the same allowance per client: one scope per kind of action.
submit_limited = shared_scope_limit("SUBMIT_RATE_LIMIT", "submit")
draft_limited = shared_scope_limit("SUBMIT_RATE_LIMIT", "draft")
track_limited = shared_scope_limit("TRACK_RATE_LIMIT", "track")
# 网上调查: a brake per address over every survey (the form and the API), and the
# per-survey allowance of one address (formsvc/surveys/views.py, docs/surveys.md).
survey_limited = shared_scope_limit("SURVEY_RATE_LIMIT", "survey")


def over_limit(config_key: str, scope: str) -> bool:
    """Count this request against ``config[config_key]`` per client address in ``scope``;
    whether it went over (the caller answers 429 with its own message)."""
    if not limiter.enabled:
        return False
    return _hit(current_app.config[config_key], client_address(), scope) is not None
