"""jieba for the segmenter comparison of harness.search (docs/search.md)."""

from __future__ import annotations

from harness.search.jieba_text import jieba_module, jieba_tokens


def test_jieba_for_the_comparison_loads_quietly_and_cuts_in_search_mode():
    # loads the dictionary once; pyproject's filterwarnings keeps its pkg_resources warning quiet
    assert jieba_module() is jieba_module()
    tokens = jieba_tokens("政府信息公开")
    assert {"政府", "信息", "公开"} <= set(tokens)
