"""The state machine: the full table is declared; illegal moves are refused with Chinese reasons."""

from __future__ import annotations

from datetime import date

import pytest

from formsvc.models import Message
from formsvc.services import codes, lifecycle
from formsvc.services.lifecycle import Status, TransitionError


def new_message() -> Message:
    m = Message(tracking_number="ZX20261122-ABCDEF", query_code_hash="x", kind="zx", name="n",
                phone="13812345678", subject="s", content="c", received_on=date(2026, 11, 22),
                due_date=date(2026, 11, 27), time_limit_days=5, text_hash="h")
    lifecycle.apply(m, "submit", actor="citizen", role="citizen")
    return m


def test_table_covers_the_design() -> None:
    # the workbench may add steps (review, …); the design's own must all be there
    assert set(lifecycle.TRANSITIONS) >= {
        "submit", "dispatch", "reject", "transfer", "return", "request_extension",
        "approve_extension", "refuse_extension", "reply", "rate", "timeout_close", "reopen"}
    assert set(lifecycle.STATUS_LABELS) >= set(Status)


def test_happy_path() -> None:
    m = new_message()
    assert m.status == Status.SUBMITTED and m.events[0].from_status is None
    lifecycle.apply(m, "dispatch", actor="staff:1", role="dispatcher")
    lifecycle.apply(m, "transfer", actor="staff:1", role="dispatcher", note="转县教育局")
    assert m.status == Status.ASSIGNED
    lifecycle.apply(m, "reply", actor="staff:2", role="handler")
    lifecycle.apply(m, "rate", actor="citizen", role="citizen")
    assert m.status == Status.CLOSED
    assert [(e.from_status, e.to_status) for e in m.events] == [
        (None, "submitted"), ("submitted", "assigned"), ("assigned", "assigned"),
        ("assigned", "replied"), ("replied", "closed")]


@pytest.mark.parametrize(("action", "role", "note", "code"), [
    ("reply", "handler", "", "invalid_transition"),  # not dispatched yet
    ("dispatch", "citizen", "", "forbidden"),
    ("reject", "dispatcher", "", "note_required"),
    ("fly", "dispatcher", "", "unknown_action"),
])
def test_refusals(action: str, role: str, note: str, code: str) -> None:
    with pytest.raises(TransitionError) as exc:
        lifecycle.apply(new_message(), action, actor="x", role=role, note=note)
    assert exc.value.code == code


def test_reopen_only_once() -> None:
    m = new_message()
    for action, role in (("dispatch", "dispatcher"), ("reply", "handler"), ("rate", "citizen"),
                         ("reopen", "supervisor"), ("reply", "handler"), ("rate", "citizen")):
        lifecycle.apply(m, action, actor="x", role=role, note="不满意")
    with pytest.raises(TransitionError) as exc:
        lifecycle.apply(m, "reopen", actor="x", role="supervisor", note="again")
    assert exc.value.code == "already_reopened"


def test_internal_steps_are_not_public() -> None:
    m = new_message()
    lifecycle.apply(m, "dispatch", actor="x", role="dispatcher")
    ev = lifecycle.apply(m, "request_extension", actor="x", role="handler", note="需要调查")
    assert ev.public is False


def test_codes() -> None:
    code = codes.query_code()
    assert len(code) == 8 and set(code) <= set(codes.ALPHABET)
    assert not set("01ILO") & set(codes.ALPHABET)
    h = codes.hash_code(code)
    assert codes.verify_code(h, code.lower()) and not codes.verify_code(h, "WRONGXYZ")
    assert not codes.verify_code(None, code)
    n = codes.tracking_number("ZX", date(2026, 11, 22))
    assert codes.NUMBER_RE.match(n) and n.startswith("ZX20261122-")
