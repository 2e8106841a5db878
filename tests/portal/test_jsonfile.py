"""Large JSON files, one item a line (``portal.jsonfile``)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from portal import jsonfile
from portal.jsonfile import dumps_lines


@pytest.mark.parametrize("data", [
    {"version": 1, "title": "目录", "count": 2, "items": [{"title": "甲\n乙", "n": 1}, {"title": "\"引号\""}]},
    {"items": []},
    {"version": 1, "items": [None, [1, 2], "文"]},
])
def test_the_text_is_the_same_json(data):
    text = dumps_lines(data, "items")
    assert json.loads(text) == data
    assert list(json.loads(text)) == list(data)  # the list stays last


def test_each_item_is_one_line_and_nothing_is_escaped_for_ascii():
    items = [{"title": f"第{n}号文件", "url": f"https://x/{n}.html"} for n in range(3)]
    lines = dumps_lines({"version": 1, "items": items}, "items").splitlines()
    assert lines[0] == '{"version":1,"items":['
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == items
    assert lines[-1] == "]}"


def test_values_json_cannot_encode_are_written_as_text():
    when = dt.date(2026, 12, 6)
    assert json.loads(dumps_lines({"items": [{"date": when}]}, "items")) == {"items": [{"date": "2026-12-06"}]}


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 7])
def test_lines_written_as_utf8_are_the_text_of_dumps_lines(monkeypatch, count):
    # slices of 3 lines: every way a slice can end (none, inside, at the end of the list)
    monkeypatch.setattr(jsonfile, "_SLICE", 3)
    data = {"version": 1, "title": "目录", "items": [{"title": f"第{n}号"} for n in range(count)]}
    out = io.BytesIO()
    jsonfile.write_lines_utf8(out, {**data, "items": []}, "items",
                              [jsonfile.encode(item).encode() for item in data["items"]])
    assert out.getvalue() == dumps_lines(data, "items").encode()
