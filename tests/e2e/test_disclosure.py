"""依申请公开 in the browser (issue 20): the applicant answers a 补正 on the tracking page, downloads
the information attached to the reply and its 告知书, and rates the answer from the reply mail's
signed link, without the query code."""

from __future__ import annotations

import re
import subprocess
import sys
from email import message_from_bytes
from pathlib import Path
from typing import TYPE_CHECKING

from tests.e2e import support
from tests.e2e.conftest import ROOT
from tests.e2e.support import click_and_wait, h1, main, receipt, track
from tests.e2e.test_staff import action, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SUBJECT = "2024年县级财政预算执行情况"


def accessible(page: Page) -> None:
    """WCAG 2.1 AA by axe-core on the page as it is now."""
    violations = support.run_axe(page)["violations"]
    assert not violations, support.describe_violations(violations)


def open_by_number(page: Page, number: str) -> None:
    page.goto(f"/hdjl/staff/inbox?number={number}")
    assert number in h1(page) or SUBJECT in h1(page), h1(page)


def reply_mail_link(server, number: str) -> str:
    """Send the queued mails (file backend) and read the rating link of the reply mail."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "formsvc", "send-mail"],
                          cwd=ROOT, env=server.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    mail_dir = Path(server.env["FORMSVC_INSTANCE_PATH"]) / "mail"
    for eml in sorted(mail_dir.glob("*.eml")):
        mail = message_from_bytes(eml.read_bytes())
        body = mail.get_payload(decode=True).decode("utf-8")
        if "已答复" in str(mail["Subject"]) or ("/hdjl/rate/" in body and number in body):
            m = re.search(r"https?://\S+/hdjl/rate/\S+", body)
            if m:
                return m.group(0)
    raise AssertionError("no reply mail with a rating link")


def test_correction_reply_files_notice_and_rating_link(open_page, staff, server,
                                                       tmp_path: Path) -> None:
    # the applicant sends a request
    citizen = open_page()
    citizen.goto("/hdjl/ysqgk/new")
    support.fill_disclosure(citizen)
    click_and_wait(citizen, citizen.get_by_role("button", name="下一步：核对申请内容"))
    assert click_and_wait(citizen, citizen.get_by_role("button", name="确认提交")) == 200
    number, code = receipt(citizen, "依申请公开")

    # routed to 县政府办, whose handler asks for a 补正
    dispatcher = open_page()
    log_in(dispatcher, "fenban", staff["fenban"])
    open_by_number(dispatcher, number)
    form = action(dispatcher, "分办")
    form.get_by_label("承办单位").select_option(label="示范县人民政府办公室")
    click_and_wait(dispatcher, form.get_by_role("button", name="分办"))
    handler = open_page()
    log_in(handler, "xzfb-zhang", staff["xzfb-zhang"])
    open_by_number(handler, number)
    form = action(handler, "告知补正")
    form.get_by_label("需要补正的事项和理由").fill("请写明所需报告的文号，并补充身份证明。")
    assert click_and_wait(handler, form.get_by_role("button", name="告知补正")) == 200
    assert "暂停计时" in main(handler).inner_text()
    accessible(handler)

    # the applicant answers on the tracking page, with a file
    track(citizen, number, code)
    assert "暂停计时：等待申请人补正" in main(citizen).inner_text()
    assert "请写明所需报告的文号" in main(citizen).inner_text()
    accessible(citizen)
    citizen.get_by_label("补正内容").fill("所需报告文号为示财〔2025〕8号，身份证明见附件。")
    proof = tmp_path / "身份证明.pdf"
    proof.write_bytes(PDF)
    citizen.get_by_label("补正材料").set_input_files(str(proof))
    assert click_and_wait(citizen, citizen.get_by_role("button", name="提交补正")) == 200, \
        main(citizen).inner_text()[:500]
    assert "补正已提交" in citizen.get_by_role("status").first.inner_text()
    assert "暂停计时：" not in main(citizen).inner_text()

    # the handler attaches the information and answers 予以公开
    handler.reload()
    assert "示财〔2025〕8号" in main(handler).inner_text()
    report = tmp_path / "预算执行情况报告.pdf"
    report.write_bytes(PDF)
    form = action(handler, "答复附件")
    form.get_by_label("选择文件").set_input_files(str(report))
    assert click_and_wait(handler, form.get_by_role("button", name="上传附件")) == 200
    form = action(handler, "答复")
    form.get_by_label("答复内容").fill("您申请的信息见附件。")
    form.get_by_label("答复结果（《政府信息公开条例》第三十六条）").select_option(label="予以公开")
    click_and_wait(handler, form.get_by_role("button", name="保存草稿"))
    click_and_wait(handler, handler.get_by_role("button", name="发送答复"))

    # the applicant downloads the file and opens the 告知书 (bound to this browser's tracking)
    track(citizen, number, code)
    with citizen.expect_download() as download:
        main(citizen).get_by_role("link", name="预算执行情况报告.pdf").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == PDF
    click_and_wait(citizen, main(citizen).get_by_role("link", name=re.compile("答复告知书")))
    notice = main(citizen).inner_text()
    assert "予以公开" in notice and "六十日内依法申请行政复议" in notice
    accessible(citizen)
    stranger = open_page()
    assert stranger.goto(server.url(f"/hdjl/track/notice/{number}")).status == 404

    # the reply mail's link rates the answer in a browser that never saw the query code
    link = reply_mail_link(server, number)
    assert code not in link
    path = "/hdjl/rate/" + link.split("/hdjl/rate/", 1)[1]
    rater = open_page()
    rater.goto(path)
    assert "您申请的信息见附件" in main(rater).inner_text()
    accessible(rater)
    rater.get_by_label("满意", exact=True).check()
    assert click_and_wait(rater, rater.get_by_role("button", name="提交评价")) == 200
    assert "感谢您的评价" in rater.get_by_role("status").first.inner_text()
    # a forged link: a clear message, nothing changes
    forged = open_page()
    assert forged.goto(path[:-4] + "AAAA").status == 400
    assert "评价链接无效" in main(forged).inner_text()
    assert track(citizen, number, code) == "已办结"
