"""A base form that cleans every text field before validation (formsvc.forms.text).

Citizens paste phone numbers and codes with spaces around them; a stray space must not turn a
valid value into an error or into a different duplicate key (GOV.UK Notify's habit). Control and
bidi characters are removed in the same step, so validators and length limits see what is stored.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields import FileField, MultipleFileField, TextAreaField

from formsvc.forms.text import clean_or_keep


def _clean_line(value: Any) -> Any:
    return clean_or_keep(value)


def _clean_lines(value: Any) -> Any:
    return clean_or_keep(value, multiline=True)


# Per unbound field (they live on the cached form classes): every form of every request binds
# them again, and working the filters out each time was a tenth of the binding.
@cache
def _filters(unbound_field: Any) -> tuple[Any, ...]:
    cls = unbound_field.field_class
    if issubclass(cls, FileField | MultipleFileField):
        own: tuple[Any, ...] = ()
    else:
        own = (_clean_lines if issubclass(cls, TextAreaField) else _clean_line,)
    return own + tuple(unbound_field.kwargs.get("filters", ()))


class StripWhitespaceForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            return unbound_field.bind(form=form, filters=_filters(unbound_field), **options)

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
        """Field name → its messages, for the API's ``fields``."""
        return {f.name: [str(e) for e in f.errors] for f in self if f.errors}
