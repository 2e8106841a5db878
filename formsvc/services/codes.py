"""Tracking numbers and query codes.

A tracking number (``ZX20261122-7K4Q9M``) says the kind and the day; its random tail keeps one
number from revealing another's. The query code is the secret: random, shown once, stored as a
keyed hash, so a leaked database does not open the messages.

The hash is HMAC-SHA256 under the app's ``QUERY_CODE_KEY`` (default: ``SECRET_KEY``). A slow
password hash (argon2, ~25 ms of CPU per call here) bought nothing for a random 8-character code
(31^8 ≈ 2^40): without the key a stolen table cannot be tested offline at all, and whoever has the
key has the server and the messages themselves. It did cap submissions at about 70 per second on
two cores (docs/performance.md). Codes hashed with argon2 earlier still verify; outside an app
context (scripts, some tests) new codes are still hashed with argon2.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

# No 0/O, 1/I/L: citizens read these aloud on the phone and copy them from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_RANDOM_LEN = 6
CODE_LEN = 8
NUMBER_RE = re.compile(r"^[A-Z]{2}\d{8}-[" + ALPHABET + r"]{6}$")

# OWASP's minimum argon2id parameters: fast enough per request, slow enough for a stolen table.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified when the number is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("dummy-code")


# Rejection sampling over random bytes: one os.urandom call per string instead of one
# secrets.choice per character; bytes of 248 and above are dropped so every letter is equally likely.
_LIMIT = 256 - 256 % len(ALPHABET)


def random_string(length: int) -> str:
    """``length`` characters of the unambiguous alphabet, from the system's CSPRNG."""
    out: list[str] = []
    while len(out) < length:
        out.extend(ALPHABET[b % len(ALPHABET)] for b in secrets.token_bytes(length + 4) if b < _LIMIT)
    return "".join(out[:length])


def tracking_number(prefix: str, day: date) -> str:
    """A new tracking number: the kind's prefix, the receipt date, six random characters."""
    return f"{prefix}{day:%Y%m%d}-{random_string(NUMBER_RANDOM_LEN)}"


def query_code() -> str:
    """A new query code (shown once, stored hashed)."""
    return random_string(CODE_LEN)


HMAC_PREFIX = "hmac-sha256$"


def _key() -> bytes | None:
    if not has_app_context():
        return None
    config = current_app.config
    key = config.get("QUERY_CODE_KEY") or config.get("SECRET_KEY")
    return key.encode("utf-8") if isinstance(key, str) else key


def _hmac(key: bytes, code: str) -> str:
    return HMAC_PREFIX + hmac.new(key, normalize(code).encode("utf-8"), hashlib.sha256).hexdigest()


def hash_code(code: str) -> str:
    """The stored form of a query code (HMAC-SHA256 under QUERY_CODE_KEY)."""
    key = _key()
    return _hmac(key, code) if key else _hasher.hash(normalize(code))


def verify_code(code_hash: str | None, code: str) -> bool:
    """Constant-effort check; ``code_hash`` None (unknown number) still runs one verification."""
    key = _key()
    if code_hash is None and key:
        hmac.compare_digest(_hmac(key, code), _hmac(key, ""))  # same work as a known number
        return False
    if code_hash is not None and code_hash.startswith(HMAC_PREFIX):
        return bool(key) and hmac.compare_digest(code_hash, _hmac(key, code))
    try:
        return _hasher.verify(code_hash or _DUMMY_HASH, normalize(code)) and code_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def normalize(text: str) -> str:
    """Upper-case and drop spaces and dashes people add when copying."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def normalize_number(text: str) -> str:
    """A tracking number as typed, in its canonical form (upper case, no spaces)."""
    t = re.sub(r"\s", "", text or "").upper()
    if len(t) == 16 and "-" not in t:  # copied without the dash
        t = t[:10] + "-" + t[10:]
    return t
