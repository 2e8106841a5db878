"""The ``Authorization`` header of the API, fuzzed: random text, random bearer tokens, tokens of
the key's shape, and a real key with one character changed (formsvc/web/api_keys.py).

Schemathesis does not generate the header from the bearer scheme, so this suite does. Every such
request is a 401 ``invalid_api_key`` in the API's error shape, never a 5xx, never a stored
message; the real key still works afterwards.
"""

from __future__ import annotations

import string

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from formsvc import db
from formsvc.domain.channels import SUBMIT
from formsvc.services import api_keys
from tests.formsvc.conftest import count_rows, good_data
from tests.fuzz import budget

URLSAFE = string.ascii_letters + string.digits + "-_"
# what a header value can hold: printable Latin-1 and tab (no line breaks)
HEADER_TEXT = st.text(st.characters(codec="latin-1", categories=("L", "N", "P", "S", "Zs"))
                      | st.just("\t"), max_size=120)


def _tokens(real: str) -> st.SearchStrategy[str]:
    shaped = st.builds(lambda h, s: f"{api_keys.PREFIX}_{h}_{s}",
                       st.text("0123456789abcdef", min_size=12, max_size=12),
                       st.text(URLSAFE, min_size=43, max_size=43))

    def changed(i: int, c: str) -> str:
        i %= len(real)
        return real[:i] + (c if c != real[i] else ("A" if real[i] != "A" else "B")) + real[i + 1:]

    mutated = st.builds(changed, st.integers(0, 200), st.sampled_from(URLSAFE))
    return st.one_of(
        HEADER_TEXT,
        st.builds("Bearer {}".format, HEADER_TEXT),
        st.builds("Bearer {}".format, shaped),
        st.builds("Bearer {}".format, mutated),
        st.builds("{} {}".format, st.sampled_from(["Basic", "bearer", "Token", ""]), mutated),
    )


OPEN311_BODY = {"service_code": "zx", "description": "路灯不亮，请尽快修复。", "phone": "13812345678",
                "first_name": "三", "last_name": "张"}


def test_odd_authorization_headers_are_401(app: Flask, database_url: str) -> None:
    with app.app_context():
        s = db.new_session()
        _, real = api_keys.create(s, name="fuzz", scopes=[SUBMIT], channel="12345")
        s.close()
    client = app.test_client()
    body = {"kind": "zx", **good_data("zx")}
    n = budget.cases("authorization", database_url)
    tried = 0

    @budget.fuzz_settings(n)
    @given(header=_tokens(real), route=st.sampled_from(["post", "get", "open311"]))
    def run(header: str, route: str) -> None:
        nonlocal tried
        tried += 1
        headers = {"Authorization": header}
        r = client.post("/api/v1/messages", json=body, headers=headers) if route == "post" else \
            client.get("/api/v1/kinds", headers=headers) if route == "get" else \
            client.post("/open311/v2/requests.json", data=OPEN311_BODY, headers=headers)
        assert r.status_code == 401, (header, r.status_code)
        answer = r.get_json()
        if route == "open311":  # GeoReport v2's error format
            assert answer[0]["code"] == 401 and "密钥" in answer[0]["description"], answer
        else:
            assert answer["code"] == "invalid_api_key" and "密钥" in answer["message"], answer
        assert r.headers["WWW-Authenticate"].startswith("Bearer")

    try:
        run()
    finally:
        budget.record("authorization", database_url, tried)
    assert count_rows(app)["message"] == 0
    ok = client.post("/api/v1/messages", json=body, headers={"Authorization": f"Bearer {real}"})
    assert ok.status_code == 201
