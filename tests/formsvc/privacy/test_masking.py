"""formsvc.services.masking beyond the corpus: the checks behind the classes, the allow-list of
published numbers, the reviewer's segments, and careless callers."""

from __future__ import annotations

import pytest

from formsvc.services import masking, pii_numbers
from formsvc.services.masking import Segment
from formsvc.services.pii_text import Kind, normalise

DEPARTMENT = "0579-8888 1234"


def test_the_check_digits() -> None:
    assert pii_numbers.id_check_digit("33010619900101111") == "7"
    assert pii_numbers.id_check_digit("33070219880820019") == "X"
    assert pii_numbers.luhn_valid("4367426281948212")
    assert not pii_numbers.luhn_valid("4367426281948213")


def test_an_id_is_masked_whole_or_not_at_all() -> None:
    # the failing check digit alone says nothing; after 身份证 it is a mistyped ID, masked
    assert masking.mask_text("编号330106199001011118") == "编号330106199001011118"
    assert masking.mask_text("身份证330106199001011118") == f"身份证{masking.ID_MASK}"
    for spelled in ("330106 19900101 1117", "３３０１０６１９９００１０１１１１７", "330106-1990-0101-1117"):
        assert masking.mask_text(f"证件：{spelled}。") == f"证件：{masking.ID_MASK}。"


@pytest.mark.parametrize("written", [
    "0579-8888 1234", "0579-88881234", "（0579）88881234", "０５７９－８８８８１２３４", "88881234",
    "8888 1234", "0579-88881234转8001", "0579—8888—1234"])
def test_a_published_number_is_kept_in_any_spelling(written: str) -> None:
    text = f"请拨打住建局电话{written}咨询。"
    assert masking.mask_text(text, public_numbers=[DEPARTMENT]) == text
    assert masking.mask_text(text) != text  # the same number is masked when nobody published it


def test_a_published_number_does_not_shield_the_citizens_number() -> None:
    text = "住建局0579-88881234，我的电话0579-88881235。"
    assert masking.mask_text(text, public_numbers=[DEPARTMENT]) == (
        f"住建局0579-88881234，我的电话{masking.PHONE_MASK}。")


def test_the_submitters_phone_is_found_however_it_is_written() -> None:
    known = ["欧阳明珠", "0123-6655443"]
    for written in ("6655443", "665 5443", "0123 665 5443", "（0123）6655443"):
        assert masking.mask_text(f"号码是{written}吗", known) == f"号码是{masking.PHONE_MASK}吗"
    assert masking.mask_text("明珠反映", known) == "欧**反映"
    assert masking.mask_text("李强反映", ["李强"]) == "李**反映"
    # a one-character given name alone is no name: 强 stays in 加强
    assert masking.mask_text("请加强管理", ["李强"]) == "请加强管理"


def test_review_shows_masked_spans_published_numbers_and_digits_left() -> None:
    text = "我的电话13857901234，住建局0579-88881234，订单号20241206153012。"
    assert masking.review(text, public_numbers=[DEPARTMENT]) == [
        Segment("我的电话", None), Segment(masking.PHONE_MASK, Kind.PHONE),
        Segment("，住建局", None), Segment("0579-88881234", masking.PUBLIC),
        Segment("，订单号", None), Segment("20241206153012", masking.DIGITS), Segment("。", None)]
    assert "".join(s.text for s in masking.review(text)) == masking.mask_text(text)
    assert masking.review("") == []


def test_careless_callers() -> None:
    assert masking.mask_text(None) == ""  # type: ignore[arg-type]
    assert masking.mask_text(13857901234) == masking.PHONE_MASK  # type: ignore[arg-type]
    assert masking.mask_text("电话13857901234", None, None) == f"电话{masking.PHONE_MASK}"  # type: ignore[arg-type]
    # a number given as an int, empty and one-character values, None among the known values
    known = [13907770123, "", " ", "张", None]
    assert masking.mask_text("我是张三，电话13907770123", known) == (  # type: ignore[arg-type]
        f"我是张三，电话{masking.PHONE_MASK}")
    assert masking.contains_personal_data("路灯坏了三个月") is False
    assert masking.contains_personal_data("路灯坏了，电话13857901234") is True
    assert masking.mask_name("张三") == "张**" and masking.mask_name("") == "匿名"


def test_markers_already_in_the_text_are_left_alone() -> None:
    # known values that are words of the markers themselves (a careless form, a hostile one)
    known = ["电话", "隐去", "话已"]
    once = masking.mask_text("电话13857901234", known)
    assert once == f"电**{masking.PHONE_MASK}"
    assert masking.mask_text(once, known) == once


def test_normalisation_keeps_every_offset() -> None:
    text = "电话：１３９－１２３４－０００６，幺三九幺二三四零零零六，二〇二四年，浙A·12345"
    flat = normalise(text)
    assert len(flat) == len(text)
    assert "139-1234-0006" in flat and "13912340006" in flat and "二〇二四年" in flat


def test_what_a_known_value_is_taken_for() -> None:
    known = ["John Smith", "91330727MA2ABCDE1X", "示范县某某科技有限公司", "城关镇桃花坞",
             "zhang.wei88@163.com"]
    text = "John Smith、91330727MA2ABCDE1X、示范县某某科技有限公司、城关镇桃花坞、zhang.wei88"
    assert masking.mask_text(text, known) == (
        f"J**、{masking.ID_MASK}、示**、{masking.ADDRESS_MASK}、{masking.EMAIL_MASK}")
    # one string is one value, not a list of its characters
    assert masking.mask_text("张三反映", "张三") == "张**反映"
    assert masking.mask_text("请拨打0579-88881234", public_numbers=DEPARTMENT) == "请拨打0579-88881234"
