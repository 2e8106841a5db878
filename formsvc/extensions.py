"""Flask extensions shared by the blueprints: CSRF protection and rate limiting."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    # behind nginx, ProxyFix (PROXY_COUNT) has already put the client's address here
    return request.remote_addr or "unknown"


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
