"""Builders for OpenAPI 3.1 schema fragments, shared by the API document and its fragments.

Imports nothing from formsvc, so the letters and search fragments can use it without importing
the API package (which imports them).
"""

from __future__ import annotations

from typing import Any


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
