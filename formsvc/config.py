"""Default settings of formsvc: the first of three layers (defaults, instance file, environment).

``load`` reads these, then ``instance/config.py`` if it exists, then ``FORMSVC_*`` environment
variables (values parsed as JSON when they parse, so ``FORMSVC_TIME_LIMITS='{"zx": 3}'`` works)
and ``DATABASE_URL``: ``create_app`` runs on its result, and the static build reads the message
kinds' time limits from it. ``instance/config.example.py`` documents every key.

Nothing here imports Flask or the database layer: the build loads this module without either.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

# Environment variables FORMSVC_X set X (not a setting itself: lower-case names are not read).
_ENV_PREFIX = "FORMSVC"

# The repository root: formsvc runs beside the content/ and theme/ it shares with the static site.
_repo_root = Path(__file__).resolve().parent.parent

# The instance folder: instance/config.py, the SQLite file, uploads, mail, the secret key. Read
# before the instance file, so only create_app's argument or FORMSVC_INSTANCE_PATH change it.
INSTANCE_PATH = str(_repo_root / "instance")

# None means "derive from the instance folder" (see formsvc.__init__._resolve_paths).
SECRET_KEY: str | None = None
# Key of the query-code hash (HMAC-SHA256, formsvc.services.codes); None: SECRET_KEY. Changing it
# invalidates every stored query code.
QUERY_CODE_KEY: str | None = None
DATABASE_URL: str | None = None  # default: sqlite:///<instance>/formsvc.sqlite3
# A streaming replica of DATABASE_URL (harness/pgreplica.py, docs/deploy.md): the read-only public
# pages (formsvc/web/replica.py lists them) read it; None: everything reads DATABASE_URL.
DATABASE_REPLICA_URL: str | None = None
UPLOAD_DIR: str | None = None  # default: <instance>/uploads (outside the web root)
HOLIDAYS_FILE: str | None = None  # default: <instance>/holidays.yml (optional)

CONTENT_DIR = str(_repo_root / "content")
THEME_TEMPLATES = str(_repo_root / "theme" / "templates")
THEME_STATIC = str(_repo_root / "theme" / "static")
PELICANCONF = str(_repo_root / "pelicanconf.py")
OUTPUT_DIR = str(_repo_root / "output")
# Site search (formsvc/services/search.py): the index the build writes, default
# <OUTPUT_DIR>/_search, and the published letters' index formsvc writes, default
# <instance>/search-letters.
SEARCH_INDEX_DIR: str | None = None
SEARCH_LETTERS_DIR: str | None = None

# Dates (receipt date, due date) are counted in the county's time zone, not the server's.
TIMEZONE = "Asia/Shanghai"


# Settings a page needs from pelicanconf (base.html's contract plus what our pages show).
_SITE_SETTINGS = ("SITENAME", "SITE_SHORT_NAME", "SITEURL", "SITE_DOMAIN", "SITE_ID_CODE",
                  "FOOTER", "SECTIONS", "COLUMN_META", "TIMEZONE", "DEFAULT_LANG")


def load_site_settings(path: Path | str) -> dict[str, Any]:
    """Import pelicanconf.py by path (it is not a package) and keep the upper-case settings."""
    spec = importlib.util.spec_from_file_location("_formsvc_pelicanconf", str(path))
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {k: getattr(module, k) for k in _SITE_SETTINGS if hasattr(module, k)}


def setting(config: Mapping[str, Any], setting_key: str) -> Any:
    """``config[setting_key]``, or the default this module declares for it when ``config`` lacks
    it (a plain mapping in a script or a test): the default is written here only. An unknown key
    raises KeyError. (The parameter's ``_key`` name is how tests/formsvc/test_layout.py finds the
    settings read through a helper.)"""
    if setting_key in config:
        return config[setting_key]
    if not setting_key.isupper() or setting_key not in globals():
        raise KeyError(setting_key)
    return globals()[setting_key]


def county_zone(config: Mapping[str, Any]) -> ZoneInfo:
    """The county's time zone (``TIMEZONE``): receipt dates, reply dates and "today" are in it."""
    return ZoneInfo(setting(config, "TIMEZONE"))


def county_date(config: Mapping[str, Any], moment: datetime) -> date:
    """The county's calendar date at ``moment`` (an aware instant): "today" everywhere."""
    return moment.astimezone(county_zone(config)).date()


# Working-day limits per kind override formsvc.domain.kinds, e.g. {"zx": 3, "ts": 15} (*local* rules).
TIME_LIMITS: dict[str, int] = {}
EXTENSION_LIMITS: dict[str, int] = {}

# Attachments: count, size and accepted types (checked by content).
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Whole request: three full attachments plus the form text; beyond it werkzeug answers 413.
MAX_CONTENT_LENGTH = 3 * 5 * 1024 * 1024 + 512 * 1024

# Text limits (characters).
NAME_MAX = 50
SUBJECT_MAX = 100
CONTENT_MIN = 10
CONTENT_MAX = 2000

# Rate limits (Flask-Limiter syntax), per client address.
RATELIMIT_STORAGE_URI = "memory://"  # redis://host:6379/0 with several workers
# Stated so every app sets it: Flask-Limiter otherwise keeps what the last app in the process said
# (the limiter is one object), and one app with limits off would switch them off for the next.
RATELIMIT_ENABLED = True
# Redis unreachable: let requests through and log it, for the citizen's scopes and the staff login
# alike. The counters are a brake, not a gate: a lost message is worse than an unmetered minute,
# and staff accounts still lock after LOGIN_MAX_FAILURES failures (kept in the database).
RATELIMIT_SWALLOW_ERRORS = True
# No X-RateLimit-* headers: with Redis they cost two more round trips (GET, TTL) on every limited
# request, ~40 % of a submission's time under load (docs/performance.md). A 429 still carries
# Retry-After (formsvc/web/errors.py), which is what clients need.
RATELIMIT_HEADERS_ENABLED = False
SUBMIT_RATE_LIMIT = "10 per hour;30 per day"
TRACK_RATE_LIMIT = "20 per minute;200 per day"
# 网上调查 (docs/surveys.md): answers per address over all surveys (a brake on scripts), and
# answers per address to one survey. One household, office or school behind one address may
# answer several times; a signed cookie refuses a second answer from the same browser.
SURVEY_RATE_LIMIT = "10 per minute;200 per day"
SURVEY_ANSWERS_PER_ADDRESS = "20 per day"
# Per API key (formsvc/web/api_keys.py), for keys created without a limit of their own: the
# 12345 platform forwards a whole call centre's messages from one address.
API_KEY_RATE_LIMIT = "3000 per minute;200000 per day"
# A 12345 work order's time limit counts from 12345's receipt (its received_at: when the call was
# taken) if that is not in the future and at most this many days old; otherwise from ours, and
# the submission's event says why (services/work_orders.clock_start).
WORK_ORDER_MAX_AGE_DAYS = 7

# How long personal data is kept, in months (content/pages/privacy.md says the same; a test
# compares): network addresses; name, contacts and attachments after a message is closed;
# the same for 依申请公开 requests (the disclosure archive's 10 years). `purge-personal-data`.
RETENTION_IP_MONTHS = 6
RETENTION_MESSAGE_MONTHS = 36
RETENTION_DISCLOSURE_MONTHS = 120

# A second message with the same text from the same phone within this window is flagged.
DUPLICATE_WINDOW_HOURS = 24

# The hotline citizens are told to call when the service fails them (error pages, search down).
# Masking keeps it, like every number of PUBLIC_NUMBERS.
HOTLINE = "0123-12345"
# The county's published numbers that masking must keep besides the departments' phones and faxes
# (content/departments.yml), the site's contact phone (pelicanconf FOOTER) and HOTLINE.
PUBLIC_NUMBERS: tuple[str, ...] = ("12345",)

# Notifications: outbox rows written with the change that causes them, delivered by `send-mail`.
DISPATCHER_EMAIL = "12345@shifan.gov.cn"
SUPERVISOR_EMAIL = ""  # besides the supervisor accounts' own addresses, e.g. the 督查室 mailbox
MAIL_FROM = "noreply@shifan.gov.cn"
# The daily content check (check-content, formsvc-check-content.timer) mails its problems here:
# the editors' addresses, a list (or one string with commas). Empty: the check mails nobody.
CHECK_MAIL_TO: list[str] = []
# "smtp" when MAIL_SERVER is set, otherwise "file" (one .eml per mail in MAIL_FILE_DIR); "console"
MAIL_BACKEND: str | None = None
MAIL_SERVER: str | None = None
MAIL_PORT = 25
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_STARTTLS = False
MAIL_FILE_DIR: str | None = None  # default: <instance>/mail
# Retries: 1, 2, 4 … minutes after each failure (at most MAIL_BACKOFF_MAX_MINUTES), then "failed".
MAIL_MAX_ATTEMPTS = 8
MAIL_BACKOFF_MINUTES = 1
MAIL_BACKOFF_MAX_MINUTES = 240
# SMS notices (services/sms/, drained by `send-mail` after the mail, with retries of their own):
# "http" posts to the gateway, "file" (default) writes one .txt per text in SMS_FILE_DIR,
# "console" logs. SMS_TEMPLATES maps our texts (receipt, reply, correction_requested) to the
# template codes registered at the gateway. Put SMS_APP_SECRET in the environment
# (FORMSVC_SMS_APP_SECRET), never in a file under version control.
SMS_BACKEND: str | None = None
SMS_GATEWAY_URL = ""
SMS_APP_KEY = ""
SMS_APP_SECRET = ""
SMS_SIGN_NAME = "示范县人民政府"
SMS_TEMPLATES: dict[str, str] = {}
SMS_TIMEOUT_SECONDS = 10
# SMS retries, apart from mail's (a receipt by text is useful within the hour, not a day later):
# 1, 2, 4 … minutes after each failure (at most SMS_BACKOFF_MAX_MINUTES), "failed" after
# SMS_MAX_ATTEMPTS. A gateway answer whose code is in SMS_PERMANENT_CODES (a number that can never
# receive: set your gateway's codes) fails the text at once, without retries.
SMS_MAX_ATTEMPTS = 5
SMS_BACKOFF_MINUTES = 1
SMS_BACKOFF_MAX_MINUTES = 30
SMS_PERMANENT_CODES: list[str] = ["isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT"]
SMS_FILE_DIR: str | None = None  # default: <instance>/sms

# Workbench: "due soon" within this many working days (*local*); statistics rank a department's
# rates only from this many messages in the period, so one quick answer does not top the table.
DUE_SOON_DAYS = 2
STATS_MIN_COUNT = 5
# The monthly report's PDF (services/report_pdf.py): a CJK font file (TTF, OTF or a TTC collection,
# Debian's fonts-noto-cjk by default) and, for a collection, the face (2 = Noto Sans CJK SC).
REPORT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
REPORT_FONT_INDEX = 2
# A month's PDFs once rendered (services/report_files.py): `supervision-report` writes them, the
# first request for an ended month without one stores it. None: <instance>/tongbao.
REPORT_DIR: str | None = None
# `remind` closes (办结) a reply the citizen has not rated within this many working days.
RATING_WINDOW_DAYS = 10
# 依申请公开 补正 (Art. 30): the working days the applicant is given by default; staff may set
# another period when they ask. `remind` closes an unanswered 补正 after it (视为放弃).
CORRECTION_DAYS = 15
# A virus scanner run on every file staff attach to a reply and every 补正 file: the command
# (a list, or a string split as a shell would) gets the file's path last; exit 0 clean, 1
# infected, anything else refuses the file. None: no scanning. Example: ["clamdscan", "--no-summary"]
VIRUS_SCAN_COMMAND: list[str] | str | None = None
# The disclosed information staff attach to a reply (PDF, office files): how many, how large.
MAX_REPLY_FILES = 10
MAX_REPLY_FILE_BYTES = 20 * 1024 * 1024
# The reply mail's rating link (signed with SECRET_KEY, no query code) works this many days. Its
# address starts with PUBLIC_BASE_URL; None: https:// and SITE_DOMAIN of pelicanconf.py.
RATING_LINK_DAYS = 30
PUBLIC_BASE_URL: str | None = None

# Staff login: lockout after repeated failures, a rate limit per address, session lifetimes.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT_MINUTES = 15
LOGIN_RATE_LIMIT = "10 per minute;60 per hour"
STAFF_SESSION_IDLE_MINUTES = 30
STAFF_SESSION_MAX_HOURS = 10

# Number of reverse proxies (nginx) in front of the app whose X-Forwarded-For we trust.
PROXY_COUNT = 0

WTF_CSRF_TIME_LIMIT = 4 * 3600  # a long disclosure request takes a while to write
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Secure: the browser sends the session cookie over HTTPS only. None means "production unless told
# otherwise": create_app turns it on unless DEBUG or TESTING is set; `make run` (plain http on
# 127.0.0.1, formsvc.server.serve) passes False. Production never needs to set it (docs/operations.md).
SESSION_COOKIE_SECURE: bool | None = None
# Strict-Transport-Security max-age (seconds) on formsvc's own answers (formsvc/web/security.py);
# 0: not sent. nginx sends HSTS in production; set this only where formsvc itself answers HTTPS.
HSTS_MAX_AGE = 0
# How long a SQLite write waits for another writer's lock before giving up (the citizen then gets
# the 503 page and nothing is stored); the engines of formsvc/db default to it without an app too.
SQLITE_BUSY_TIMEOUT_MS = 15000

# Audit log of staff actions (formsvc.web.audit_log): one JSON line per action after it commits.
# "stderr" (default; journald under systemd), a file path (reopened after logrotate moves it), or
# "" to leave the "formsvc.audit" logger to your own logging configuration.
AUDIT_LOG = "stderr"

# GET /api/v1/healthz (formsvc.web.health): the database must answer within this many seconds.
HEALTH_DB_TIMEOUT = 2.0


def holidays_file(config: Mapping[str, Any]) -> Path:
    """The holiday override file ``config`` names, by default ``holidays.yml`` in the instance."""
    return Path(config.get("HOLIDAYS_FILE") or instance_path(config) / "holidays.yml")


def instance_path(overrides: Mapping[str, Any] | None = None) -> Path:
    """The instance folder: ``INSTANCE_PATH`` in ``overrides``, ``FORMSVC_INSTANCE_PATH``, or
    ``instance/`` in the repository."""
    path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(f"{_ENV_PREFIX}_INSTANCE_PATH") \
        or INSTANCE_PATH
    return Path(path).resolve()


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The effective settings: the defaults, instance/config.py, FORMSVC_*, DATABASE_URL and
    DATABASE_REPLICA_URL from the environment, then ``overrides``; later layers win.

    The layers are read as Flask's ``Config.from_pyfile`` and ``from_prefixed_env`` read them
    (upper-case names of the file; ``FORMSVC_A__B`` sets ``A["B"]``), without importing Flask.
    """
    config = _upper(globals())
    instance_file = instance_path(overrides) / "config.py"
    if instance_file.is_file():
        module = ModuleType("config")
        module.__file__ = str(instance_file)
        exec(compile(instance_file.read_bytes(), str(instance_file), "exec"), module.__dict__)
        config.update(_upper(vars(module)))
    prefix = f"{_ENV_PREFIX}_"
    for name in sorted(os.environ):
        if not name.startswith(prefix):
            continue
        value: Any = os.environ[name]
        with contextlib.suppress(ValueError):  # not JSON: the text itself
            value = json.loads(value)
        *parents, key = name.removeprefix(prefix).split("__")
        target = config
        for part in parents:  # copied on the way down: never change the defaults above
            target[part] = dict(target.get(part) or {})
            target = target[part]
        target[key] = value
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL"):
        if os.environ.get(name):
            config[name] = os.environ[name]
    if overrides:
        config.update(overrides)
    return config


def _upper(namespace: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in namespace.items() if k.isupper()}
