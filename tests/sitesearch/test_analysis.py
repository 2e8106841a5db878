"""Segmentation and the normalisation of 文号/索引号: the same functions at index and query time."""

from __future__ import annotations

import pytest

from portal.index_no import INDEX_NO_RE
from sitesearch.analysis import (
    code_terms,
    index_tokens,
    normalize,
    normalize_code,
    normalize_doc_no,
    normalize_index_no,
    query_tokens,
)


@pytest.mark.parametrize(("word", "text"), [
    ("审批", "示范县行政审批服务局"),  # a short word inside a long compound
    ("公开", "政府信息公开工作"),
    ("信息公开", "政府信息公开"),
    ("行政审批", "深化行政审批制度改革"),
    ("低保", "城乡低保对象"),
    ("2024", "2024年工作要点"),
    ("ｐｐｐ", "采用PPP模式"),  # full-width letters typed by the citizen
])
def test_every_query_token_of_a_contained_word_is_indexed(word, text):
    assert set(query_tokens(word)) <= set(index_tokens(text))


def test_bigrams_and_run_end_character():
    assert index_tokens("行政审批") == ["行政", "政审", "审批", "批"]
    # one character alone is a token; letters and digits stay whole and lower-case
    assert index_tokens("县 ABC 12号") == ["县", "abc", "12", "号"]
    # punctuation separates runs: no bigram spans a comma
    assert "批公" not in index_tokens("审批，公开")


def test_query_tokens_skip_the_end_character_except_inside_phrases():
    assert query_tokens("行政审批") == ["行政", "政审", "审批"]
    assert query_tokens("审批，公开", phrase=True) == ["审批", "批", "公开"]
    assert query_tokens("，。！") == []


def test_normalize_keeps_offsets():
    text = "（２０２４）ＡＢ"
    assert normalize(text) == "(2024)ab"
    assert len(normalize(text)) == len(text)


@pytest.mark.parametrize("typed", [
    "示政办〔2024〕12号", "示政办[2024]12号", "示政办(2024)12号", "示政办【2024】12号",
    "示政办（２０２４）１２号", "示政办［2024］12号", "示政办﹝2024﹞12号", "示政办 [2024] 012 号",
    "示政办〔2024〕第12号",
])
def test_doc_no_bracket_variants_normalise_to_one_form(typed):
    assert normalize_doc_no(typed) == "示政办〔2024〕12号"
    assert normalize_code(typed) == "示政办〔2024〕12号"


@pytest.mark.parametrize("typed", [
    "01150001-1/2024-00012", "01150001-1／2024－00012", "01150001-1/2024-12",
    " 01150001-1 / 2024 - 00012 ",
])
def test_index_no_variants(typed):
    assert normalize_index_no(typed) == "01150001-1/2024-00012"


@pytest.mark.parametrize(("typed", "canonical"), [
    ("MA1G4XYZ-8/2024-00012", "MA1G4XYZ-8/2024-00012"),  # from a 统一社会信用代码
    ("ma1g4xyz-8/2024-12", "MA1G4XYZ-8/2024-00012"),
    ("ＭＡ１Ｇ４ＸＹＺ－８／２０２４－００１２", "MA1G4XYZ-8/2024-00012"),
    ("01150001-x / 2024 - 7", "01150001-X/2024-00007"),
])
def test_index_no_with_letters_in_the_organisation_code(typed, canonical):
    assert normalize_index_no(typed) == canonical
    assert canonical in code_terms(f"依据{typed}号文件")


@pytest.mark.parametrize("number", [
    "01150001-1/2024-00012", "MA1G4XYZ-8/2024-00012", "A0000000-Z/1999-99999", "12345678-X/2030-00001",
])
def test_every_index_no_the_checker_accepts_is_its_own_canonical_form(number):
    assert INDEX_NO_RE.match(number)
    assert normalize_index_no(number) == number


def test_an_index_no_inside_a_longer_code_is_not_one():
    assert code_terms("统一社会信用代码91340100MA1G4XYZ-8/2024-00012") == set()


@pytest.mark.parametrize("text", ["行政审批", "2024", "示政办2024年12号", "12号", ""])
def test_not_codes(text):
    assert normalize_code(text) is None


def test_codes_cited_in_running_text_are_found_with_any_issuer_suffix():
    terms = code_terms("根据示政办[2024]12号和01150001-1/2024-00012执行")
    assert {"示政办〔2024〕12号", "政办〔2024〕12号", "01150001-1/2024-00012"} <= terms
