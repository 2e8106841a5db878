"""``GET /api/v1/departments``: the departments a message may be sent to."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from formsvc.api.blueprint import bp
from formsvc.api.oas import BOOL, STR, json_response, obj, ref
from formsvc.db import get_session
from formsvc.services import departments


@bp.get("/departments")
def list_departments() -> Any:
    """The active departments in registry order."""
    return jsonify({"departments": [
        {"code": d.code, "name": d.name, "short_name": d.short_name, "kind": d.kind,
         "accepts_disclosure_requests": d.accepts_disclosure_requests}
        for d in departments.active(get_session())
    ]})


# --- OpenAPI -------------------------------------------------------------------------------------

SCHEMAS: dict[str, Any] = {
    "Department": obj({"code": STR, "name": STR, "short_name": STR, "kind": STR,
                        "accepts_disclosure_requests": BOOL}),
    "Departments": obj({"departments": {"type": "array", "items": ref("Department")}}),
}

PATHS: dict[str, Any] = {
    "/departments": {"get": {
        "operationId": "listDepartments", "summary": "可选择的办理单位",
        "responses": {"200": json_response("Departments", "机构列表")}}},
}
