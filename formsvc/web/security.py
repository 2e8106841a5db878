"""Security headers: the one statement of the portal's Content-Security-Policy and its companions.

Every response carries them, whoever serves it: formsvc adds them to its own answers (an
``after_request`` hook, so gunicorn behind nginx has them too), ``scripts/serve`` wraps the whole
one-port app (``SecurityHeaders``) so files from output/ get the same, and nginx sends the same
set from ``deploy/nginx/security-headers.conf`` — a test parses that file and compares it with
:func:`headers`, and ``python -m formsvc.web.security`` prints the lines it must contain.

The policy allows no inline script or style and no ``eval``: the theme and the service load their
one stylesheet and two scripts from this origin, and charts are SVG sized by attributes.
HSTS is sent only when ``HSTS_MAX_AGE`` is set (production, behind TLS): a browser that once saw
it on a developer's 127.0.0.1 would refuse plain HTTP there for a year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response

# Directive → sources. Nothing from another host (docs/architecture.md: working offline).
# data: images stay allowed (an image cannot run script; editors paste small ones).
CSP_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("img-src", "'self' data:"),
    ("style-src", "'self'"),
    ("script-src", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'self'"),
    ("base-uri", "'self'"),
    ("object-src", "'none'"),
)
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {sources}" for name, sources in CSP_DIRECTIVES)

BASE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # for browsers without CSP frame-ancestors; same meaning
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "Strict-Transport-Security"
# what production (nginx, TLS) sends; formsvc sends it only when HSTS_MAX_AGE says so
PRODUCTION_HSTS_MAX_AGE = 31536000


def headers(config: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The security headers every response carries under ``config`` (HSTS when configured)."""
    out = dict(BASE_HEADERS)
    max_age = int((config or {}).get("HSTS_MAX_AGE") or 0)
    if max_age > 0:
        out[HSTS] = f"max-age={max_age}"
    return out


def add_missing(target: Any, values: Mapping[str, str]) -> None:
    """Set each header that ``target`` (werkzeug Headers) does not have yet; never a duplicate."""
    # one pass over the response's headers: `name in target` and `target[name] = …` each scan
    # them again (3.5 % of an API submission's instructions for these five headers)
    present = {key.lower() for key, _ in target.items()}
    for name, value in values.items():
        if name.lower() not in present:
            target.add(name, value)


def init_app(app: Flask) -> None:
    """create_app step: every formsvc response (pages, JSON, errors, static) gets the headers."""
    values = headers(app.config)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        add_missing(response.headers, values)
        return response


class SecurityHeaders:
    """WSGI middleware: the same headers on every response of the wrapped app (scripts/serve's
    static half, which is not Flask), leaving those the app already set."""

    def __init__(self, app: Any, values: Mapping[str, str]) -> None:
        self.app = app
        self.values = dict(values)
        self._lower = {k.lower() for k in self.values}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {k.lower() for k, _ in response_headers}
            response_headers = list(response_headers) + [
                (k, v) for k, v in self.values.items() if k.lower() not in present]
            return start_response(status, response_headers, exc_info)

        return self.app(environ, start)


def nginx_lines(max_age: int = PRODUCTION_HSTS_MAX_AGE) -> list[str]:
    """The add_header lines deploy/nginx/security-headers.conf must contain (production: HSTS)."""
    values = headers({"HSTS_MAX_AGE": max_age})
    return [f'add_header {name} "{value}" always;' for name, value in values.items()]


if __name__ == "__main__":  # python -m formsvc.web.security: the lines for the nginx file
    print("\n".join(nginx_lines()))
