"""The contribution form (意见, 听证发言报名, 网友提问): the message form's name and phone
fields, its cleaning of odd characters (``StripWhitespaceForm``), its hidden field for bots and its
CSRF token; the text's length limits are the participation table's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import SelectField, StringField

from formsvc.domain import participation as p
from formsvc.domain.participation import ParticipationKind
from formsvc.forms import HONEYPOT
from formsvc.forms import validators as v
from formsvc.forms.base import StripWhitespaceForm
from formsvc.forms.fields import FIELDS, _area, choice_list
from formsvc.services.participation import NewContribution
from portal.participation import Consultation

WHOLE_DRAFT = ""  # the article choice "对全文"
ARTICLE_MESSAGE = "请从列表中选择针对的条文"


class ContributionForm(StripWhitespaceForm):
    """Built per kind by :func:`make_form`: name, phone, text, and for a comment the article."""

    participation_kind: ParticipationKind
    website = StringField("网址")  # the hidden field bots fill (as on the message form)

    def honeypot_filled(self) -> bool:
        """Whether the hidden field was filled (an automated submission)."""
        return bool((self.website.data or "").strip())


_CLASSES: dict[tuple[str, tuple[Any, ...]], type[ContributionForm]] = {}


def form_class(kind: ParticipationKind, config: Mapping[str, Any]) -> type[ContributionForm]:
    """The form class of ``kind`` (cached per kind and name length)."""
    key = (kind.code, (config["NAME_MAX"],))
    if key not in _CLASSES:
        attrs: dict[str, Any] = {
            "participation_kind": kind,
            "name": FIELDS["name"](config),
            "phone": FIELDS["phone"](config),
            "text": _area(kind.text_label, v.Required(), min_len=p.TEXT_MIN, max_len=p.TEXT_MAX,
                          hint=f"{p.TEXT_MIN} 至 {p.TEXT_MAX} 个字；请不要在内容中填写身份证号、"
                               "住址等个人信息"),
        }
        if kind.code == "comment":
            attrs["article"] = SelectField(
                "针对条文", validate_choice=False, validators=[v.choice_of(ARTICLE_MESSAGE)],
                render_kw={"gp": {"type": "select", "hint": "可以对全文，也可以对某一条提意见"}})
        _CLASSES[key] = type(f"{kind.code.capitalize()}ContributionForm", (ContributionForm,),
                             attrs)
    return _CLASSES[key]


def make_form(kind: ParticipationKind, config: Mapping[str, Any],
              target: Any, **kwargs: Any) -> ContributionForm:
    """A bound form; a comment's article choices come from the draft."""
    form = form_class(kind, config)(**kwargs)
    if "article" in form and isinstance(target, Consultation):
        form.article.choices = choice_list(
            [(WHOLE_DRAFT, "对全文"), *((str(a.number), a.heading) for a in target.articles)])
    return form


def to_new(form: ContributionForm, slug: str) -> NewContribution:
    """The validated form as service input."""
    article_value = form.article.data if "article" in form else WHOLE_DRAFT
    return NewContribution(kind=form.participation_kind, slug=slug, name=form.name.data or "",
                           phone=v.normalize_phone(form.phone.data or ""),
                           text=form.text.data or "",
                           article=int(article_value) if article_value else None)


__all__ = ["HONEYPOT", "ContributionForm", "make_form", "to_new"]
