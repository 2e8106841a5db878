"""Tracking numbers and query codes.

A tracking number (``ZX20261122-7K4Q9M``) says the kind and the day; its random tail keeps one
number from revealing another's. The query code is the secret: random, shown once, stored as an
argon2 hash, so a leaked database does not open the messages.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# No 0/O, 1/I/L: citizens read these aloud on the phone and copy them from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_RANDOM_LEN = 6
CODE_LEN = 8
NUMBER_RE = re.compile(r"^[A-Z]{2}\d{8}-[" + ALPHABET + r"]{6}$")

# OWASP's minimum argon2id parameters: fast enough per request, slow enough for a stolen table.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified when the number is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("dummy-code")


def random_string(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def tracking_number(prefix: str, day: date) -> str:
    return f"{prefix}{day:%Y%m%d}-{random_string(NUMBER_RANDOM_LEN)}"


def query_code() -> str:
    return random_string(CODE_LEN)


def hash_code(code: str) -> str:
    return _hasher.hash(normalize(code))


def verify_code(code_hash: str | None, code: str) -> bool:
    """Constant-effort check; ``code_hash`` None (unknown number) still runs one verification."""
    try:
        return _hasher.verify(code_hash or _DUMMY_HASH, normalize(code)) and code_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def normalize(text: str) -> str:
    """Upper-case and drop spaces and dashes people add when copying."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def normalize_number(text: str) -> str:
    t = re.sub(r"\s", "", text or "").upper()
    if len(t) == 16 and "-" not in t:  # copied without the dash
        t = t[:10] + "-" + t[10:]
    return t
