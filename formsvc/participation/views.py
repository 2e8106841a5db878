"""The citizen's side of participation: a draft with the published comments under each article,
the comment and hearing-registration forms, an interview's live page of answered questions (its
fragment refreshed by JavaScript when there is JavaScript) and the question form.

Whether a draft or interview takes input is asked of the service at each request; the forms use
the message form's building blocks (cleaning, hidden field, CSRF, the ``submit`` rate limit).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from formsvc.db import get_session
from formsvc.domain import participation as p
from formsvc.domain.participation import ParticipationKind
from formsvc.forms import participation as forms
from formsvc.services import participation as svc
from formsvc.web.errors import error_response
from formsvc.web.extensions import submit_limited
from formsvc.web.runtime import consultations, interviews
from portal import participation as content

bp = Blueprint("participation", __name__, url_prefix="/hdjl")

HONEYPOT_MESSAGE = "提交未被受理：表单中隐藏的“网址”一项被填写，这通常是自动程序所为。如您是本人填写，请刷新页面后重新提交。"
FAILED_MESSAGE = "系统暂时无法保存您提交的内容，内容没有被保存，请稍后重新提交。给您带来不便，敬请谅解。"
# seconds between two refreshes of the live page's answers (JavaScript only)
LIVE_REFRESH_SECONDS = 20


def _consultation(slug: str) -> content.Consultation:
    found = consultations().get(slug)
    if found is None:
        abort(404)
    return found


def _interview(slug: str) -> content.Interview:
    found = interviews().get(slug)
    if found is None:
        abort(404)
    return found


def _kind(code: str) -> ParticipationKind:
    found = p.kind(code)
    assert found is not None, code
    return found


def _contribute(kind: ParticipationKind, target: Any, endpoint: str) -> Any:
    """The form of ``kind`` for ``target``; a valid POST stores it and goes to the thanks page."""
    closed = svc.closed_message(kind, target)
    form = forms.make_form(kind, current_app.config, target)
    if request.method == "GET":
        chosen = request.args.get("article", "")
        if "article" in form and chosen in {c.value for c in form.article.choices}:
            form.article.data = chosen
        return _render_form(kind, target, form, closed)
    if form.honeypot_filled():
        return error_response(400, "spam_suspected", HONEYPOT_MESSAGE)
    if closed:  # the form was opened before the close: say so, keep nothing
        return _render_form(kind, target, form, closed, 409)
    if not form.validate_on_submit():
        return _render_form(kind, target, form, closed, 400)
    try:
        svc.submit(get_session(), current_app.config, forms.to_new(form, target.slug), target)
    except svc.Refused as exc:
        return _render_form(kind, target, form, exc.message, 409)
    except svc.SubmissionFailed:
        return error_response(503, "submission_failed", FAILED_MESSAGE)
    return redirect(url_for(endpoint, slug=target.slug, kind=kind.code), code=303)


def _render_form(kind: ParticipationKind, target: Any, form: forms.ContributionForm,
                 closed: str, status: int = 200) -> Any:
    return render_template("participation/form.html", kind=kind, target=target, form=form,
                           closed=closed, errors=form.error_list(), honeypot=forms.HONEYPOT,
                           action=request.path), status


@bp.get("/yjzj/<slug>")
def consultation(slug: str) -> Any:
    """A draft: its state, each article with the comments published on it, the 意见反馈."""
    target = _consultation(slug)
    items = svc.published(get_session(), current_app.config, p.CONSULTATION, slug)
    return render_template("participation/consultation.html", target=target,
                           comments=svc.by_article(items), phase=target.phase(),
                           phase_label=content.PHASE_LABELS[target.phase()],
                           closed=svc.closed_message(_kind("comment"), target),
                           adoption_labels=p.ADOPTION_LABELS)


@bp.route("/yjzj/<slug>/new", methods=["GET", "POST"])
@submit_limited
def new_comment(slug: str) -> Any:
    """Comment on the whole draft or on one article (``?article=3`` chooses it)."""
    return _contribute(_kind("comment"), _consultation(slug), ".consultation_thanks")


@bp.route("/yjzj/<slug>/hearing", methods=["GET", "POST"])
@submit_limited
def new_speaker(slug: str) -> Any:
    """网上听证: register to speak at the draft's hearing."""
    target = _consultation(slug)
    if target.hearing is None:
        abort(404)
    return _contribute(_kind("speaker"), target, ".consultation_thanks")


@bp.get("/yjzj/<slug>/thanks")
def consultation_thanks(slug: str) -> Any:
    """After the commit: what happens next."""
    target = _consultation(slug)
    kind = p.kind(request.args.get("kind", "")) or _kind("comment")
    return render_template("participation/thanks.html", kind=kind, target=target,
                           back=url_for(".consultation", slug=slug))


@bp.get("/ft/<slug>")
def interview(slug: str) -> Any:
    """The live page: the questions answered so far; refreshes itself with JavaScript."""
    target = _interview(slug)
    phase = target.phase()
    return render_template("participation/interview.html", target=target, phase=phase,
                           phase_label=content.INTERVIEW_PHASE_LABELS[phase],
                           answers=_answers(slug), refresh=LIVE_REFRESH_SECONDS,
                           closed=svc.closed_message(_kind("question"), target))


def _answers(slug: str) -> list[svc.PublicContribution]:
    return svc.answered(svc.published(get_session(), current_app.config, p.INTERVIEW, slug))


@bp.get("/ft/<slug>/answers")
def interview_answers(slug: str) -> Any:
    """The answered questions as an HTML fragment (the live page fetches it)."""
    _interview(slug)
    return render_template("participation/_answers.html", answers=_answers(slug)), 200, {
        "Cache-Control": "no-cache"}


@bp.route("/ft/<slug>/new", methods=["GET", "POST"])
@submit_limited
def new_question(slug: str) -> Any:
    """Send a question before or during the interview."""
    return _contribute(_kind("question"), _interview(slug), ".interview_thanks")


@bp.get("/ft/<slug>/thanks")
def interview_thanks(slug: str) -> Any:
    """After the commit: what happens next."""
    target = _interview(slug)
    return render_template("participation/thanks.html", kind=_kind("question"), target=target,
                           back=url_for(".interview", slug=slug))
