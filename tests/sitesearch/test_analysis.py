"""Segmentation and the normalisation of 文号/索引号: the same functions at index and query time."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize("text", ["行政审批", "2024", "示政办2024年12号", "12号", ""])
def test_not_codes(text):
    assert normalize_code(text) is None


def test_codes_cited_in_running_text_are_found_with_any_issuer_suffix():
    terms = code_terms("根据示政办[2024]12号和01150001-1/2024-00012执行")
    assert {"示政办〔2024〕12号", "政办〔2024〕12号", "01150001-1/2024-00012"} <= terms
