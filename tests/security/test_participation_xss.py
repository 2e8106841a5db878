"""The XSS corpus (tests/security_data/xss_payloads.txt) through every new citizen and staff
field of 意见征集 and 在线访谈: comment, question and hearing-registration text and name (form and
API), the staff's edited public text, hide reason, adoption reason and answer. Every page and
fragment that shows them must carry each payload escaped, never verbatim (the server-side half
of tests/e2e/test_xss.py's checks; the browser half runs the live page's script).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from formsvc import db
from formsvc.models import Contribution
from formsvc.services.workbench import moderation
from tests.e2e.test_xss import PAYLOADS
from tests.formsvc.participation_data import write_tree
from tests.formsvc.workbench.helpers import login, make_staff, run

MARKUP = [p for p in PAYLOADS if set("<>\"'&") & set(p.text)]


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("participation-xss"))


def _ids(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        s = db.new_session()
        try:
            return [(c.id, c.kind) for c in s.scalars(select(Contribution).order_by(Contribution.id))]
        finally:
            s.close()


def _verbatim(html: str) -> list[int]:
    return [p.n for p in MARKUP if p.text in html]


def test_payloads_are_escaped_everywhere(app: Flask, client: FlaskClient) -> None:
    make_staff(app, "xss-admin", "admin")
    for i, p in enumerate(PAYLOADS):
        name = p.text[:50] or "某"
        body = {"name": name, "phone": f"1381234{i:04d}", "text": f"意见：{p.text}"[:3000]}
        if i % 2:
            r = client.post("/api/v1/consultations/open-draft/comments",
                            json={**body, "article": 1 + i % 2})
        else:
            r = client.post("/api/v1/interviews/live/questions", json=body)
        assert r.status_code in (201, 400), (p.n, r.status_code)
    ids = _ids(app)
    assert len(ids) > len(PAYLOADS) * 0.9  # nearly every payload is a valid text
    for n, (cid, kind) in enumerate(ids):
        payload = PAYLOADS[n % len(PAYLOADS)].text
        if kind == "question":
            run(app, "xss-admin", moderation.answer, cid, f"回答：{payload}")
        else:
            run(app, "xss-admin", moderation.publish, cid, f"公开：{payload}")
            run(app, "xss-admin", moderation.adopt, cid, "partly", f"理由：{payload}"[:1000])
    pages = ["/hdjl/yjzj/open-draft", "/hdjl/ft/live", "/hdjl/ft/live/answers", "/hdjl/stats",
             "/api/v1/consultations/open-draft/comments", "/api/v1/interviews/live/questions"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert not _verbatim(html) or path.startswith("/api/"), (path, _verbatim(html)[:5])
    # the public pages show the payloads, escaped (not merely dropped)
    draft = client.get("/hdjl/yjzj/open-draft").get_data(as_text=True)
    assert sum(str(escape(p.text)) in draft for p in MARKUP) > len(MARKUP) // 4
    # the workbench shows names, phones and texts in full: escaped too
    staff = app.test_client()
    login(staff, "xss-admin")
    for state in ("published", "all"):
        html = staff.get(f"/hdjl/staff/participation?status={state}").get_data(as_text=True)
        assert not _verbatim(html), (state, _verbatim(html)[:5])
    # hide reasons typed by staff
    for cid, _kind in ids[:20]:
        run(app, "xss-admin", moderation.hide, cid, PAYLOADS[cid % len(PAYLOADS)].text[:1000])
    html = staff.get("/hdjl/staff/participation?status=hidden").get_data(as_text=True)
    assert not _verbatim(html)
