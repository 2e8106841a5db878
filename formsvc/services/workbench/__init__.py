"""The department workbench: every staff action on a message, scoped to the acting staff member.

One module per job; this package's names are the workbench's interface (``wb.dispatch`` …):

    context.py      Context, scope (get_message, scope_clause), errors, the steps of an action
    routing.py      dispatch, reject, transfer, return_to_dispatcher, add_note
    assignment.py   指定承办人 within the department, bulk 分办 from the queue (all or nothing)
    deadlines.py    extension requests and decisions, a supervisor's new due date
    replies.py      drafts, review, sending the reply
    procedure.py    依申请公开: 告知补正, 征求第三方意见 and its end (the clock stops)
    supervision.py  督办, unsatisfied ratings, reopening
    signing.py      签收 by the department holding a message (响应率)
    notices.py      督办 and 纠错 notices and the department's answers
    letters.py      the public letter box: proposal, approval by a second person, withdrawal
    consent.py      consent to publication asked again (messages from before migration 0008)
    templates.py    a department's reply templates
    queries.py      the inbox and its filters, the queues, the counts by state, the watch list
    suggest.py      the suggested department for 分办 (a suggestion only)

Each action takes the acting :class:`Staff`, looks the message up in scope, changes it through
:func:`formsvc.services.lifecycle.apply` (one event each) and commits the change with its outbox
notifications (services/notify.py) in one transaction.
"""

from formsvc.services.workbench.assignment import BULK_MAX, assign, assignable, dispatch_many
from formsvc.services.workbench.consent import reconfirm as reconfirm_consent
from formsvc.services.workbench.consent import unconfirmed as unconfirmed_consent
from formsvc.services.workbench.context import (
    ActionError,
    Context,
    NotFound,
    attachment_visible,
    can,
    citizen_files,
    get_message,
    hidden_files_note,
    reporter_visible,
    scope_clause,
)
from formsvc.services.workbench.deadlines import (
    EXTENSION_STATUS_LABELS,
    change_due_date,
    decide_extension,
    extensions,
    pending_extension,
    request_extension,
)
from formsvc.services.workbench.letters import (
    LETTER_FIELDS,
    PROPOSAL_STATUS_LABELS,
    approval_refusal,
    approve,
    letter_draft,
    letter_of,
    proposal_of,
    propose,
    publication_queue,
    review_of,
    send_back,
    withdraw,
)
from formsvc.services.workbench.notices import answer as answer_notice
from formsvc.services.workbench.notices import issue as issue_notice
from formsvc.services.workbench.notices import notices_of, open_notices
from formsvc.services.workbench.procedure import (
    end_consultation,
    request_correction,
    start_consultation,
)
from formsvc.services.workbench.queries import (
    PER_PAGE,
    DepartmentWatch,
    InboxFilter,
    Page,
    Row,
    StateCounts,
    assignee_names,
    deadline_clause,
    dispatch_queue,
    filtered,
    inbox,
    pending_extensions,
    review_queue,
    staff_names,
    state_counts,
    undelivered_sms,
    watch_list,
)
from formsvc.services.workbench.replies import (
    REPLY_STATUS_LABELS,
    REPLY_STEPS,
    approve_reply,
    attach_reply_files,
    draft_of,
    must_review,
    notice_of,
    remove_reply_file,
    reply_files,
    return_draft,
    save_draft,
    send_reply,
    submit_for_review,
    write_reply,
)
from formsvc.services.workbench.routing import (
    add_note,
    dispatch,
    reject,
    return_to_dispatcher,
    transfer,
)
from formsvc.services.workbench.signing import can_sign, sign
from formsvc.services.workbench.suggest import Suggestion, suggest_department
from formsvc.services.workbench.supervision import (
    can_reopen,
    flagged,
    handle_flag,
    on_rated,
    reopen,
    supervise,
)
from formsvc.services.workbench.templates import add_template, remove_template, templates_for

__all__ = [
    "BULK_MAX", "assign", "assignable", "assignee_names", "dispatch_many",
    "ActionError", "Context", "DepartmentWatch", "EXTENSION_STATUS_LABELS", "InboxFilter",
    "LETTER_FIELDS", "NotFound", "PER_PAGE", "PROPOSAL_STATUS_LABELS", "Page",
    "REPLY_STATUS_LABELS", "REPLY_STEPS", "Row", "StateCounts", "Suggestion", "add_note",
    "add_template", "approval_refusal", "approve", "approve_reply", "attach_reply_files", "attachment_visible", "can",
    "can_reopen", "change_due_date", "citizen_files", "deadline_clause", "decide_extension", "dispatch",
    "dispatch_queue", "draft_of", "end_consultation", "extensions", "filtered", "flagged",
    "get_message", "handle_flag", "hidden_files_note", "inbox", "letter_draft", "letter_of", "must_review", "notice_of",
    "on_rated", "pending_extension", "pending_extensions", "proposal_of", "propose",
    "publication_queue", "reconfirm_consent", "reject", "remove_reply_file", "remove_template",
    "reopen", "reporter_visible", "reply_files", "request_correction", "request_extension",
    "return_draft",
    "return_to_dispatcher", "review_of", "review_queue", "save_draft", "scope_clause", "send_back",
    "send_reply", "staff_names", "start_consultation", "state_counts", "submit_for_review",
    "suggest_department", "undelivered_sms", "supervise", "templates_for", "transfer", "unconfirmed_consent",
    "watch_list", "withdraw", "write_reply",
    "answer_notice", "can_sign", "issue_notice", "notices_of", "open_notices", "sign",
]
