"""Schemathesis over /api/v1/openapi.json, in-process against the WSGI app.

Every operation of the document gets generated requests, positive (data that fits the schema) and
negative (data that does not). Every answer must be documented and match its schema, never be a
5xx, and every 4xx must carry the stable ``{"code", "message"}`` error of formsvc/web/errors.py
(under /open311/v2, GeoReport v2's ``[{"code", "description"}]``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz import budget

CODE_RE = re.compile(r"^[a-z_]+$")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _operations() -> tuple[list[str], list[str]]:
    """(operations that take input, those that take none)."""
    from formsvc.api.openapi import document

    with_input, without = [], []
    for path, ops in document()["paths"].items():
        for method, op in ops.items():
            if method == "servers":  # Open311's paths: their own prefix, /open311/v2
                continue
            label = f"{method.upper()} {path}"
            (with_input if op.get("parameters") or op.get("requestBody") else without).append(label)
    return with_input, without


OPERATIONS, FIXED_OPERATIONS = _operations()


def error_shape(response: Any) -> None:
    """A 4xx is JSON {"code", "message"} with a stable code and a Chinese message."""
    if 400 <= response.status_code < 500:
        body = response.json()
        if response.request.url and "/open311/" in response.request.url:
            assert isinstance(body, list) and len(body) == 1, body
            assert body[0]["code"] == response.status_code, body
            assert re.search(r"[\u4e00-\u9fff]", body[0]["description"]), body
            return
        assert isinstance(body, dict), body
        assert isinstance(body.get("code"), str) and CODE_RE.match(body["code"]), body
        assert isinstance(body.get("message"), str) and body["message"], body
        assert re.search(r"[\u4e00-\u9fff]", body["message"]), body


def _key_headers(app: Flask, label: str) -> dict[str, str]:
    """A key with the operation's scope when only a key may call it (the 12345 exchange, filing
    through Open311), so that the fuzzing reaches the operation and not only its 401."""
    from formsvc.api.openapi import document
    from tests.formsvc.test_api_keys import bearer, make_key

    method, path = label.split(" ", 1)
    security = document()["paths"][path][method.lower()]["security"]
    scopes = [s for alt in security for scopes in alt.values() for s in scopes]
    if {} in security:
        return {}
    return bearer(make_key(app, *scopes, rate_limit="100000 per minute")[1])


def _base_url(label: str) -> str | None:
    """The path item's own server (Open311's /open311/v2), which schemathesis does not apply."""
    from formsvc.api.openapi import document

    servers = document()["paths"][label.split(" ", 1)[1]].get("servers")
    return f"http://localhost{servers[0]['url']}" if servers else None


def _operation(app: Flask, label: str) -> Any:
    # loaded from the app itself, as a client would (the document is what the service serves)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    method, path = label.split(" ", 1)
    return schema[path][method]


@pytest.mark.parametrize("label", FIXED_OPERATIONS)
def test_operation_without_input(app: Flask, database_url: str, label: str) -> None:
    case = _operation(app, label).Case()
    response = case.call(headers=_key_headers(app, label), base_url=_base_url(label))
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == 200
    budget.record("api", database_url, 1)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation(app: Flask, database_url: str, label: str, mode: GenerationMode) -> None:
    operation = _operation(app, label)
    headers = _key_headers(app, label)
    n = budget.cases("api", database_url, parts=2 * len(OPERATIONS))
    base_url = _base_url(label)
    tried = 0

    @budget.fuzz_settings(n)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        nonlocal tried
        tried += 1
        response = case.call(headers=headers, base_url=base_url)
        case.validate_response(response, checks=CHECKS)
        error_shape(response)

    try:
        run()
    finally:
        budget.record("api", database_url, tried)
