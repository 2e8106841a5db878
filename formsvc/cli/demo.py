"""Demo workbench accounts for ``make run``: a new user can try every role at once.

Created only when asked (``scripts/serve --demo-staff``) and only on a database with no staff
account at all, so a real deployment never gets a known password.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.models.staff import Staff
from formsvc.services import auth

DEMO_PASSWORD = "shifan-demo-2026"

# (username, role, department code, display name). Two departments with a handler and a
# reviewer each: 住建局 (no review) and 市场监管局 (review_required in the registry).
DEMO_STAFF: tuple[tuple[str, str, str, str], ...] = (
    ("fenban", "dispatcher", "", "县政府办分办员"),
    ("dubian", "supervisor", "", "县政府督查室督办员"),
    ("zjj-cb", "handler", "zjj", "住建局承办人"),
    ("zjj-sh", "reviewer", "zjj", "住建局审核人"),
    ("scjgj-cb", "handler", "scjgj", "市场监管局承办人"),
    ("scjgj-sh", "reviewer", "scjgj", "市场监管局审核人"),
    ("admin", "admin", "", "系统管理员"),
)


def ensure_demo_staff(session: Session) -> list[tuple[str, str, str, str]]:
    """Create the demo accounts when the staff table is empty; returns what was created."""
    if session.scalar(select(func.count()).select_from(Staff)):
        return []
    for username, role, dept, name in DEMO_STAFF:
        auth.create_staff(session, username=username, password=DEMO_PASSWORD, role=role,
                          display_name=name, department_code=dept)
    session.commit()
    return list(DEMO_STAFF)
