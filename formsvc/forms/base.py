"""A base form that cleans every text field before validation (formsvc.forms.text).

Citizens paste phone numbers and codes with spaces around them; a stray space must not turn a
valid value into an error or into a different duplicate key (GOV.UK Notify's habit). Control and
bidi characters are removed in the same step, so validators and length limits see what is stored.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields import FileField, MultipleFileField, TextAreaField

from formsvc.forms.text import clean_or_keep


def _clean_line(value: Any) -> Any:
    return clean_or_keep(value)


def _clean_lines(value: Any) -> Any:
    return clean_or_keep(value, multiline=True)


class StripWhitespaceForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            cls = unbound_field.field_class
            if issubclass(cls, FileField | MultipleFileField):
                filters = []
            else:
                filters = [_clean_lines if issubclass(cls, TextAreaField) else _clean_line]
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
