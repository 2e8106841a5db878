"""``GET /api/v1/kinds``: the kinds of message, their fields and time limits, read from the same
forms the pages show (a client builds its form from this)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from formsvc.api.blueprint import bp
from formsvc.api.oas import BOOL, STR, json_response, obj, ref
from formsvc.domain import kinds
from formsvc.forms import make_form


@bp.get("/kinds")
def list_kinds() -> Any:
    """Every kind with its fields (label, type, required, hint, choices) and time limits."""
    config = current_app.config
    items = []
    for kind in kinds.KINDS:
        form_cls = make_form(kind, config, [], {}, meta={"csrf": False}, formdata=None)
        fields = []
        for name in kind.fields:
            f = form_cls[name]
            gp = (f.render_kw or {}).get("gp", {})
            entry: dict[str, Any] = {
                "name": name, "label": str(f.label.text), "type": gp.get("type", "text"),
                "required": any(getattr(v, "field_flags", {}).get("required")
                                for v in f.validators),
                "hint": gp.get("hint", ""),
            }
            if gp.get("maxlength"):
                entry["max_length"] = gp["maxlength"]
            if gp.get("type") in ("radios",) or name == "id_type":
                entry["choices"] = [{"value": str(c.value), "label": c.label}
                                    for c in f.choices if c.value]
            fields.append(entry)
        items.append({
            "code": kind.code, "label": kind.label, "description": kind.description,
            "time_limit": kinds.time_limit(kind, config),
            "extension_limit": kinds.extension_limit(kind, config),
            "requires_confirmation": kind.confirm_step, "fields": fields,
        })
    return jsonify({"kinds": items})


# --- OpenAPI -------------------------------------------------------------------------------------

SCHEMAS: dict[str, Any] = {
    "KindField": obj({
        "name": STR, "label": STR, "type": STR, "required": BOOL, "hint": STR,
        "max_length": {"type": "integer"},
        "choices": {"type": "array", "items": obj({"value": STR, "label": STR})},
    }, required=["name", "label", "type", "required", "hint"]),
    "Kind": obj({
        "code": {"type": "string", "enum": [k.code for k in kinds.KINDS]},
        "label": STR, "description": STR,
        "time_limit": {"type": "integer", "description": "答复时限（工作日）"},
        "extension_limit": {"type": "integer", "description": "可延长的工作日数（0 为不可延长）"},
        "requires_confirmation": BOOL,
        "fields": {"type": "array", "items": ref("KindField")},
    }),
    "Kinds": obj({"kinds": {"type": "array", "items": ref("Kind")}}),
}

PATHS: dict[str, Any] = {
    "/kinds": {"get": {
        "operationId": "listKinds", "summary": "留言类型、字段和答复时限",
        "responses": {"200": json_response("Kinds", "留言类型列表")}}},
}
