"""The planted-personal-data scan with the masking corpus planted too (issue 19).

Sentences of tests/formsvc/privacy's corpus, in the ways people really write personal data (a
full-width mobile, a dotted one, one in Chinese numerals, bank cards, QQ and WeChat IDs, licence
plates, disguised e-mail addresses, spaced and full-width ID numbers), are planted in the
question, the reply and the reviewer's edit of a published letter. None of the personal spans
the corpus marks may reach any public response: pages, API, search (pages, JSON, snippets) and
statistics. The check reads numbers across separators and widths, so a masked number left in
pieces, or as full-width digits, is a leak too.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from formsvc.services import masking
from formsvc.services import workbench as wb
from formsvc.services.pii_text import NUMBER_GAP, digits_of, normalise
from tests.formsvc.privacy import corpus
from tests.formsvc.workbench.helpers import make_staff, publish, run, submit
from tests.formsvc.workbench.test_privacy import app_config  # noqa: F401 (the search index)

# one or more corpus sentences for each way of writing the issue names (a fragment of each)
PLANTED_WAYS = {
    "full-width mobile": "我的手机：１３９",
    "dotted mobile": "139.1234.0006",
    "mobile in Chinese numerals": "电话一三九一二三四零零零六",
    "mobile in 幺 numerals": "幺三九 幺二三四",
    "grouped bank card": "卡号 6217 0001",
    "dashed bank card": "6225-8893-7865-7979",
    "full-width bank card": "账号：６２５９",
    "QQ": "有事可以加我QQ",
    "full-width QQ": "ＱＱ号",
    "WeChat": "我的微信号：zhangsan_1988",
    "WeChat as VX": "加VX：",
    "plate with a dot": "车牌号浙A·12345",
    "plate": "一辆浙G8K726",
    "e-mail at/dot": "zhangwei at 163 dot com",
    "e-mail 艾特": "艾特163点com",
    "e-mail [at]": "chen_li [at] 126 [dot] com",
    "spaced ID": "证件号 330106 19900101 1117",
    "ID in groups": "身份证号330106 1990 0101 1117",
    "full-width ID": "身份证号码：３３０１",
}
_NUMBER = re.compile(rf"[0-9](?:(?:{NUMBER_GAP.pattern})?[0-9])+")


def planted_sentences() -> list[corpus.Sentence]:
    sentences = corpus.load()
    chosen = []
    for way, fragment in PLANTED_WAYS.items():
        found = [s for s in sentences if fragment in s.text]
        assert found, f"the corpus has no sentence for {way} ({fragment})"
        chosen.append(found[0])
    return chosen


SENTENCES = planted_sentences()
# the personal spans of the planted sentences, as written
PLANTED = sorted({s.text[a:b] for s in SENTENCES for a, b, _ in s.expected_spans()}, key=len)


def leaks(body: str) -> list[str]:
    """The planted spans found in ``body``: as written, without white space, normalised (width,
    Chinese numerals), and the digits of a number across the separators people put in them."""
    flat = normalise(re.sub(r"\s", "", body))
    numbers = {digits_of(m.group()) for m in _NUMBER.finditer(normalise(body))}
    found = []
    for value in PLANTED:
        plain = normalise(re.sub(r"\s", "", value))
        digits = digits_of(value)
        if (value in body or plain in flat
                or (len(digits) >= 7 and any(digits in n for n in numbers))):
            found.append(value)
    return found


def test_the_leak_check_sees_every_planted_span() -> None:
    assert len(PLANTED) >= len(PLANTED_WAYS)
    for value in PLANTED:
        assert value in leaks(f"正文{value}。")
        # a number left in pieces or made full-width is still that number
        if len(digits_of(value)) >= 7:
            spaced = " ".join(digits_of(value))
            assert value in leaks(f"正文 {spaced} 。")
    assert leaks("答复电话 0123-6613101，受理编号 ZX20261206-ABCDEF。") == []


def test_no_planted_corpus_value_reaches_a_public_response(wbapp: Flask,
                                                           wbclient: FlaskClient) -> None:
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "h", "handler", "zjj")
    texts = [s.text for s in SENTENCES]
    half = len(texts) // 2
    question = "关于消防通道被占用的问题。" + "".join(texts[:half])
    number, _ = submit(wbclient, "ts", department="zjj", consent_publish=True,
                       subject="消防通道被占用（" + SENTENCES[11].text[:40] + "）",
                       content=question[:2000])
    run(wbapp, "disp", wb.dispatch, number, "zjj")
    # the reply repeats what the citizen wrote (it happens): masked on the way to the public
    run(wbapp, "h", wb.save_draft, number, "您好：消防通道问题已处理。" + "".join(texts[half:]))
    run(wbapp, "h", wb.send_reply, number)
    draft = run(wbapp, "h", lambda ctx, st: wb.letter_draft(ctx, wb.get_message(ctx, st, number)))
    for name, text in draft.items():
        assert leaks(text) == [], f"{name} proposed for publication leaks"
    # the reviewer pastes the whole corpus selection back in: publication masks it again
    publish(wbapp, "h", "disp", number, draft["subject"], draft["question"] + "".join(texts),
            draft["reply"] + "\n" + "\n".join(texts))

    client = wbapp.test_client()
    listing = client.get("/api/v1/letters").get_json()
    assert listing["total"] == 1
    letter = listing["items"][0]
    assert masking.PHONE_MASK in letter["question"] and masking.EMAIL_MASK in letter["reply"]
    urls = ["/hdjl/", "/hdjl/letters", letter["url"], "/hdjl/letters?kind=ts",
            "/api/v1/letters", f"/api/v1/letters/{letter['id']}",
            "/api/v1/letters?department=zjj", "/hdjl/stats", "/hdjl/stats.csv", "/api/v1/stats",
            "/api/v1/departments", "/api/v1/kinds", "/api/v1/openapi.json"]
    for q in ("消防通道", "银行卡", "微信", "邮箱", "身份证", "手机", "车牌", "QQ", "电话"):
        urls += [f"/search?q={q}", f"/api/v1/search?q={q}"]
    found_by_search = False
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.get_data(as_text=True)
        assert leaks(body) == [], f"{url} leaks"
        found_by_search |= url.startswith("/api/v1/search") and letter["url"] in body
    assert found_by_search, "the letter is not in the search: its snippets were not checked"
    # searching for the planted values themselves finds nothing
    for value in PLANTED:
        r = client.get("/api/v1/search", query_string={"q": value[:100]})
        assert r.status_code in (200, 400)
        if r.status_code == 200:
            assert all(h["url"] != letter["url"] for h in r.get_json()["items"]), value
