"""A base form that strips surrounding whitespace from every text field (GOV.UK Notify's habit).

Citizens paste phone numbers and codes with spaces around them; a stray space must not turn a
valid value into an error or into a different duplicate key.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields import FileField, MultipleFileField


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class StripWhitespaceForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            filters = [] if issubclass(unbound_field.field_class, FileField | MultipleFileField) \
                else [_strip]
            filters += list(unbound_field.kwargs.get("filters", []))
            return unbound_field.bind(form=form, filters=filters, **options)

    def error_list(self) -> list[dict[str, str]]:
        """Errors for the error summary, in field order, each linked to its field."""
        out = []
        for f in self:
            for err in f.errors:
                out.append({"text": str(err), "href": "#" + f.id})
        for err in self.form_errors:
            out.append({"text": str(err), "href": ""})
        return out

    def field_errors(self) -> dict[str, list[str]]:
        return {f.name: [str(e) for e in f.errors] for f in self if f.errors}
