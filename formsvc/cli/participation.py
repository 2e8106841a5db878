"""在线访谈 and 意见征集 commands: ``export-interview`` (the answered questions as the transcript
an editor commits) and ``demo-participation`` (comments and questions for the demo county)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.cli.common import session
from formsvc.domain import participation as p
from formsvc.models import Contribution, ContributionEvent
from formsvc.services import contribution_search, county_numbers, departments, masking
from formsvc.services import participation as svc
from formsvc.services.submission import text_hash
from portal import participation as content


def transcript_text(session: Session, config: dict, interview: content.Interview) -> str:
    """The answered, published questions of ``interview`` as the ``transcript:`` front matter of
    its content file (masked questions, as the live page showed them)."""
    items = svc.answered(svc.published(session, config, p.INTERVIEW, interview.slug))
    records = [{"q": i.text, "a": i.answer} for i in items]
    head = (f"# {interview.title}：网上提问的回答（{len(records)} 条），由 flask export-interview 导出。\n"
            f"# 粘贴到 content/hd/ft/{interview.slug}.md 的 front matter，核对后填写 guest（回答嘉宾）。\n")
    return head + yaml.safe_dump({"transcript": records}, allow_unicode=True, sort_keys=False,
                                 width=1000)


@click.command("export-interview")
@with_appcontext
@click.argument("slug")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="写入文件；省略时输出到屏幕")
def export_interview(slug: str, output: Path | None) -> None:
    """把在线访谈已回答的网友提问导出为文字实录（transcript），供编辑整理后提交。"""
    interview = content.load_interviews(current_app.config["CONTENT_DIR"]).get(slug)
    if interview is None:
        raise click.ClickException(f"没有在线访谈 {slug}（content/hd/ft/{slug}.md）")
    with session() as s:
        text = transcript_text(s, current_app.config, interview)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {output}")
    else:
        click.echo(text, nl=False)


# (slug, article or None, name, phone, text, published, adoption, reason)
DEMO_COMMENTS = (
    ("jujia-yanglao-fuwu-banfa", 4, "刘红梅", "13812340001",
     "建议把服务补贴的年龄从80周岁降到75周岁，农村独居老人75岁以后普遍需要助餐。", True, "", ""),
    ("jujia-yanglao-fuwu-banfa", 3, "周建国", "13812340002",
     "第三条的助餐服务建议写明农村互助幸福院也可以承接。", True, "", ""),
    ("jujia-yanglao-fuwu-banfa", None, "孙丽", "13812340003",
     "办法整体很好，希望服务券可以在全县通用，不限于户籍所在乡镇。", True, "", ""),
    ("jujia-yanglao-fuwu-banfa", 5, "吴强", "13812340004",
     "收费公示应该包括上门服务的交通费。", False, "", ""),
    ("xiaoxue-ruxue-banfa", 2, "郑芳", "13812340005",
     "租房家庭只能提供租赁合同，建议入学材料接受经备案的住房租赁合同。", True, "adopted", ""),
    ("xiaoxue-ruxue-banfa", 1, "王磊", "13812340006",
     "建议取消学区划分，按成绩择优录取。", True, "not_adopted",
     "义务教育法规定免试就近入学，不能按成绩录取。"),
    ("xiaoxue-ruxue-banfa", 4, "冯静", "13812340007",
     "多校划片派位建议网上直播，并邀请家长代表现场监督。", True, "partly",
     "派位过程网上直播已采纳；家长代表由学校家委会推荐，不另行公开报名。"),
)
DEMO_QUESTIONS = (
    ("yanglao-fuwu-butie-2026", "钱大爷", "13812340008", "我今年81岁，和老伴一起住，算独居吗？能领补贴吗？"),
    ("yanglao-fuwu-butie-2026", "陈女士", "13812340009", "服务券可以给住在县城的父母用吗？"),
)


def seed_demo(s: Session, config: dict) -> int:
    """Add the demo comments and questions once (nothing when any contribution exists); the
    published comments go into the search as moderation puts them there."""
    if s.scalar(select(func.count()).select_from(Contribution)):
        return 0
    drafts = content.load_consultations(config["CONTENT_DIR"])
    interviews = content.load_interviews(config["CONTENT_DIR"])
    numbers = county_numbers.public_numbers(s, config)
    now = datetime.now(UTC)
    added = 0
    published: list[Contribution] = []

    def add(kind: str, target_type: str, slug: str, dept_code: str, article: int | None,
            name: str, phone: str, text: str, submitted: datetime) -> Contribution:
        dept = departments.by_code(s, dept_code)
        row = Contribution(kind=kind, target=target_type, slug=slug, article=article,
                           department_id=dept.id if dept else None, name=name, phone=phone,
                           text=text, text_hash=text_hash(text), submitted_at=submitted,
                           status=p.PENDING, public_text="", hide_reason="", adoption="",
                           adoption_reason="", answer="")
        s.add(row)
        s.flush()
        s.add(ContributionEvent(contribution_id=row.id, created_at=submitted, actor="citizen",
                                action="submit", note=""))
        return row

    for slug, article, name, phone, text, publish, adoption, reason in DEMO_COMMENTS:
        draft = drafts.get(slug)
        if draft is None:
            continue
        submitted = datetime.combine(draft.opens, datetime.min.time(), UTC) + timedelta(
            days=1 + added, hours=2)
        row = add("comment", p.CONSULTATION, slug, draft.department, article, name, phone, text,
                  min(submitted, now))
        if publish:
            row.status = p.PUBLISHED
            row.public_text = masking.mask_text(text, (name, phone), numbers)
            row.moderated_at = row.submitted_at
            s.add(ContributionEvent(contribution_id=row.id, created_at=row.submitted_at,
                                    actor="system", action="publish", note="示范数据"))
            published.append(row)
        if adoption:
            row.adoption, row.adoption_reason = adoption, reason
            s.add(ContributionEvent(contribution_id=row.id, created_at=row.submitted_at,
                                    actor="system", action="adopt", note="示范数据"))
        added += 1
    for slug, name, phone, text in DEMO_QUESTIONS:
        interview = interviews.get(slug)
        if interview is None:
            continue
        add("question", p.INTERVIEW, slug, interview.department, None, name, phone, text,
            now - timedelta(hours=added))
        added += 1
    s.commit()
    for row in published:  # after the commit, as moderation.publish does: the index is a copy
        contribution_search.sync(s, config, row)
    return added


@click.command("demo-participation")
@with_appcontext
def demo_participation() -> None:
    """示范数据：示范县征求意见稿的意见（已公开、待审核、采纳情况）和在线访谈的网友提问。"""
    with session() as s:
        n = seed_demo(s, current_app.config)
    click.echo(f"已添加示例意见和提问 {n} 条" if n else "已有意见或提问，未添加示例数据")


COMMANDS = (export_interview, demo_participation)
