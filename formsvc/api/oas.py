"""Builders and primitives of OpenAPI 3.1 schemas, shared by every resource module of the API.

Each module of formsvc/api/ declares the ``PATHS`` and ``SCHEMAS`` of its routes beside them;
formsvc/api/openapi.py merges them into the document. Imports nothing from formsvc.
"""

from __future__ import annotations

from typing import Any

STR: dict[str, Any] = {"type": "string"}
NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
BOOL: dict[str, Any] = {"type": "boolean"}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
DATE: dict[str, Any] = {"type": "string", "format": "date"}
DATETIME: dict[str, Any] = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict[str, Any], required: list[str] | None = None,
        additional: bool = False) -> dict[str, Any]:
    """An object schema; every property is required unless ``required`` says otherwise."""
    return {"type": "object", "properties": props,
            "required": list(props) if required is None else required,
            "additionalProperties": additional}


def query_param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query-string parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def json_response(schema_name: str, description: str) -> dict[str, Any]:
    """A JSON response whose body is the named component schema."""
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema_name)}}}


def error_response(description: str) -> dict[str, Any]:
    """A JSON error response ({code, message}, the shared ``Error`` schema)."""
    return json_response("Error", description)
