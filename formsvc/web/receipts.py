"""The query code of a receipt, kept for a few minutes in the session of the browser that filed
the message (the citizen's, or the staff member's who took a call): shown on the receipt page,
then only tracking with the number and code works."""

from __future__ import annotations

import time

from flask import session

from formsvc.services.submission import Receipt

# Short, because a shared computer's next user could open the page from history.
RECEIPT_SECONDS = 10 * 60


def remember(key: str, receipt: Receipt) -> None:
    """Keep ``receipt``'s number and query code under ``key`` (one receipt per key)."""
    session[key] = {"number": receipt.tracking_number, "code": receipt.query_code,
                    "at": int(time.time())}


def fresh_code(key: str, number: str) -> str:
    """The query code kept under ``key`` for message ``number`` if it is still fresh, else ""."""
    saved = session.get(key) or {}
    if saved.get("number") != number or time.time() - saved.get("at", 0) >= RECEIPT_SECONDS:
        return ""
    return str(saved.get("code") or "")
