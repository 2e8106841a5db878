"""One list of personal fields, masked and erased alike (issue 18, defect 6).

Masking's known values (workbench) and erasure (retention) once listed different ``details``
keys: an identity-document type was erased but not masked, an organisation's name masked but
kept. Both now read formsvc/domain/personal_data.py; these tests fill every declared field and
check that erasure clears each one and that masking is given each one's value.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.domain import kinds, personal_data
from formsvc.domain.workdays import Calendar
from formsvc.models import Message
from formsvc.services import masking, retention, submission
from formsvc.services import workbench as wb

SUBMITTED = datetime(2010, 3, 1, 2, tzinfo=UTC)  # closed long before any retention period ends
NOW = datetime(2026, 12, 2, 2, tzinfo=UTC)


def planted(field: str) -> str:
    """A distinct value for each declared field (a code for the document type)."""
    return {"phone": "13907770123", "email": "planted.q7x@example.org",
            "id_type": "passport", "id_number": "E12345678"}.get(field, f"种植{field}值")


def store(app: Flask) -> str:
    """A closed 依申请公开 request with every declared personal field filled."""
    columns = {c: planted(c) for c in personal_data.COLUMNS}
    details: dict[str, Any] = {k: planted(k) for k in personal_data.DETAILS}
    details.update(applicant_type="citizen", purpose="学习研究")
    with app.app_context():
        s = db.new_session()
        try:
            receipt = submission.submit(s, app.config, submission.NewMessage(
                kind=kinds.KINDS_BY_CODE["ysqgk"], subject="预算执行情况",
                content="申请公开 2009 年县级预算执行情况。", department_code="xzfb",
                consent_publish=True, details=details, **columns),
                calendar=Calendar(), now=SUBMITTED)
            m = s.scalar(select(Message).where(Message.tracking_number == receipt.tracking_number))
            m.status, m.closed_at = "closed", SUBMITTED
            m.reply_text, m.replied_at = "已答复。", SUBMITTED
            s.commit()
            return receipt.tracking_number
        finally:
            s.close()


def test_the_declaration_names_real_fields() -> None:
    assert set(personal_data.COLUMNS) <= set(Message.__table__.c.keys())
    assert not set(personal_data.DETAILS) & set(Message.__table__.c.keys())


def test_erasure_clears_every_declared_field(app: Flask) -> None:
    number = store(app)
    with app.app_context():
        result = retention.purge(db.get_engine(app).begin, app.config, now=NOW)
        assert result.messages == 1
        s = db.new_session()
        m = s.scalar(select(Message).where(Message.tracking_number == number))
        for column in personal_data.COLUMNS:
            assert getattr(m, column) == "", column
        assert not set(personal_data.DETAILS) & set(m.details)
        # what is not personal stays with the file
        assert m.details["purpose"] == "学习研究" and m.subject == "预算执行情况"
        s.close()


def test_masking_is_given_every_declared_value(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    number = store(app)
    given: list[set[str]] = []
    real = masking.mask_text

    def spy(text: str, known: Any = (), public_numbers: Any = ()) -> str:
        given.append(set(known))
        return real(text, known, public_numbers)

    monkeypatch.setattr(masking, "mask_text", spy)
    with app.app_context():
        s = db.new_session()
        m = s.scalar(select(Message).where(Message.tracking_number == number))
        ctx = wb.Context(s, app.config, Calendar())
        wb.letter_draft(ctx, m)
        s.close()
    expected = {planted(f) for f in (*personal_data.COLUMNS, *personal_data.DETAILS)}
    assert given and all(expected <= known for known in given), (expected, given)
