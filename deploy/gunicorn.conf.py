"""gunicorn settings for formsvc in production: ``gunicorn -c deploy/gunicorn.conf.py formsvc.server.wsgi:app``.

Every value can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS, …) so the
systemd unit, the stack test and a bigger machine use this one file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: each request is short (validation and one transaction; measured in
# docs/performance.md). 2 × cores is enough for a DB-bound app; more only adds memory.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# Sync workers close the connection after every response (gunicorn forces it; this setting only
# applies to the other worker classes), so nginx's "keepalive 32" to the upstream opens a new
# loopback connection per request. Measured cheap next to a submission (docs/performance.md).
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# Load the app (templates, the department registry) once in the
# master and fork: workers share that memory and start in milliseconds.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# nginx on the same machine is the only client; trust its X-Forwarded-* headers
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "formsvc"
limit_request_line = 8190


def when_ready(server):  # noqa: ARG001
    """Once per start, in the server's log: a holiday schedule that due dates need and lack."""
    try:
        from formsvc.server.wsgi import app
        from formsvc.web.runtime import log_calendar_state
    except Exception:  # noqa: BLE001 (an app that fails to import fails loudly in the worker)
        return
    log_calendar_state(app)


def post_fork(server, worker):  # noqa: ARG001
    """Database connections opened in the master must not be shared with the forked workers."""
    try:
        from formsvc.db import get_engine
        from formsvc.server.wsgi import app
    except Exception:  # noqa: BLE001 (an app that fails to import fails loudly in the worker)
        return
    get_engine(app).dispose(close=False)
