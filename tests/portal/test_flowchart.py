"""The 运行流程 rules (portal.powerflow) and the flowchart's layout and drawing (portal.flowchart)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from portal import flowchart, powerflow

LICENCE = [
    {"id": "shenqing", "name": "申请", "role": "申请人", "next": "shencha"},
    {"id": "shencha", "name": "材料审查", "question": "材料是否齐全、符合法定形式？", "role": "窗口",
     "if_yes": "shouli", "if_no": "buzheng"},
    {"id": "shouli", "name": "受理", "role": "窗口受理人员", "limit": "当场", "next": "shenhe"},
    {"id": "buzheng", "name": "一次性告知补正", "role": "窗口受理人员", "next": "shenqing"},
    {"id": "shenhe", "name": "审查", "question": "是否符合许可条件？", "if_yes": "xuke", "if_no": "buyu"},
    {"id": "xuke", "name": "作出准予许可决定并送达<a>", "role": "审批股", "limit": "10个工作日"},
    {"id": "buyu", "name": "作出不予许可决定，告知申请复议或者诉讼的权利", "role": "审批股"},
]
# a long forward edge that skips rows (立案 → 结案 when 不予立案 is decided at once)
SKIPPING = [
    {"id": "a", "name": "发现线索", "next": "b"},
    {"id": "b", "name": "是否立案", "question": "是否符合立案条件？", "if_yes": "c", "if_no": "f"},
    {"id": "c", "name": "调查取证", "next": "d"},
    {"id": "d", "name": "告知陈述申辩", "next": "e"},
    {"id": "e", "name": "作出处罚决定", "next": "f"},
    {"id": "f", "name": "结案归档"},
]


def steps(raw: list[dict]) -> list[powerflow.Step]:
    return powerflow.steps_of(raw)


def messages(raw: list[dict]) -> list[str]:
    return [m for _, _, m in powerflow.problems(raw)]


# ---- the rules ----------------------------------------------------------------------------------

def test_valid_flows_have_no_problems() -> None:
    assert powerflow.problems(LICENCE) == []
    assert powerflow.problems(SKIPPING) == []


def test_a_branch_to_a_missing_step_names_it() -> None:
    raw = [dict(s) for s in LICENCE]
    raw[2]["next"] = "shenhee"
    (found,) = powerflow.problems(raw)
    assert found[:2] == (2, "next") and "“shenhee” 不存在" in found[2] and "shenhe" in found[2]


def test_orphan_step_is_reported() -> None:
    raw = [*LICENCE, {"id": "gudao", "name": "孤立环节", "next": "xuke"}]
    (found,) = powerflow.problems(raw)
    assert found[0] == 7 and "走不到" in found[2]


def test_duplicate_and_malformed_ids() -> None:
    raw = [dict(s) for s in LICENCE]
    raw[6]["id"] = "xuke"
    assert any("重复" in m for m in messages(raw))
    raw = [dict(s) for s in LICENCE]
    raw[0]["id"] = "申请"
    assert any("只能用小写字母" in m for m in messages(raw))


def test_a_decision_needs_both_branches_and_no_next() -> None:
    raw = [dict(s) for s in LICENCE]
    del raw[1]["if_no"]
    raw[1]["next"] = "shouli"
    found = messages(raw)
    assert any("缺少 if_no" in m for m in found) and any("不填 next" in m for m in found)
    raw = [dict(s) for s in LICENCE]
    del raw[4]["question"]
    assert any("必须填写 question" in m for m in messages(raw))


def test_no_end_and_closed_loops() -> None:
    loop = [{"id": "a", "name": "甲", "next": "b"}, {"id": "b", "name": "乙", "next": "a"}]
    assert messages(loop) == ["流程没有终点：至少要有一个环节不填 next（办结、不予受理等）"]
    trap = [{"id": "a", "name": "甲", "question": "？", "if_yes": "b", "if_no": "c"},
            {"id": "b", "name": "乙"},
            {"id": "c", "name": "丙", "next": "d"}, {"id": "d", "name": "丁", "next": "c"}]
    found = messages(trap)
    assert len(found) == 2 and all("兜圈" in m for m in found)


def test_self_loop_and_wrong_types() -> None:
    assert any("它自己" in m for m in messages([{"id": "a", "name": "甲", "next": "a"}]))
    # not a list, or items that are not mappings: the schema's field rules report those
    assert powerflow.problems("申请 → 受理") == []
    assert powerflow.problems(["申请", {"id": "a", "name": "甲"}]) == []
    # numbers or booleans where an id goes are not ids
    assert any("不存在" in m for m in messages([{"id": "a", "name": "甲", "next": True},
                                                 {"id": "b", "name": "乙", "next": "a"}])) is False
    assert powerflow.steps_of([{"id": 7, "name": ["x"]}]) == [powerflow.Step(id="7", name="")]


# ---- the layout ---------------------------------------------------------------------------------

def _overlap(a: flowchart.Node, b: flowchart.Node) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def _on_border(p: tuple[float, float], n: flowchart.Node) -> bool:
    x, y = p
    inside_x = n.x - 0.01 <= x <= n.x + n.w + 0.01
    inside_y = n.y - 0.01 <= y <= n.y + n.h + 0.01
    return inside_x and inside_y and (
        abs(y - n.y) < 0.01 or abs(y - n.bottom) < 0.01 or abs(x - n.x) < 0.01
        or abs(x - n.x - n.w) < 0.01)


def _crosses(a: tuple[float, float], b: tuple[float, float], n: flowchart.Node) -> bool:
    """Whether an axis-parallel segment runs through the inside of a box."""
    (x1, y1), (x2, y2) = a, b
    lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    return lo_x < n.x + n.w - 0.5 and hi_x > n.x + 0.5 and lo_y < n.bottom - 0.5 and hi_y > n.y + 0.5


@pytest.mark.parametrize("raw", [LICENCE, SKIPPING], ids=["licence", "skipping"])
def test_layout_boxes_do_not_overlap_and_every_edge_is_drawn(raw: list[dict]) -> None:
    flow = steps(raw)
    lay = flowchart.layout(flow)
    nodes = {n.step.id: n for n in lay.nodes}
    for i, a in enumerate(lay.nodes):
        assert a.x >= 0 and a.y >= 0 and a.x + a.w <= lay.width and a.bottom <= lay.height
        for b in lay.nodes[i + 1:]:
            assert not _overlap(a, b), (a.step.id, b.step.id)
    wanted = sorted((s.id, t, label) for s in flow for label, t in s.branches())
    assert sorted((e.source, e.target, e.label) for e in lay.edges) == wanted
    for e in lay.edges:
        assert _on_border(e.points[0], nodes[e.source]) and _on_border(e.points[-1], nodes[e.target])
        assert e.points[-1][1] == nodes[e.target].y  # arrives at the top of its target
        for a, b in zip(e.points, e.points[1:], strict=False):
            assert a[0] == b[0] or a[1] == b[1], "edges are orthogonal"
            for n in lay.nodes:
                touches_end = n.step.id in (e.source, e.target)
                assert touches_end or not _crosses(a, b, n), (e.source, e.target, n.step.id)


def test_layout_rows_follow_the_flow_and_decisions_are_labelled() -> None:
    lay = flowchart.layout(steps(LICENCE))
    nodes = {n.step.id: n for n in lay.nodes}
    assert [nodes[i].row for i in ("shenqing", "shencha", "shouli", "shenhe", "xuke")] == [0, 1, 2, 3, 4]
    assert nodes["shencha"].shape == "decision" and nodes["shenqing"].shape == "terminal"
    assert nodes["shouli"].shape == "process" and nodes["buyu"].shape == "terminal"
    # the main line stays in the first column; a decision's 否 goes beside it
    assert {nodes[i].col for i in ("shenqing", "shencha", "shouli", "shenhe", "xuke")} == {0}
    assert nodes["buzheng"].col == 1
    for e in lay.edges:
        if nodes[e.source].shape == "decision":
            assert e.label in (powerflow.YES, powerflow.NO) and e.label_at is not None
        else:
            assert e.label == ""


def test_edges_in_the_same_gap_never_share_a_horizontal_line() -> None:
    lay = flowchart.layout(steps(LICENCE))
    runs = [(a[1], min(a[0], b[0]), max(a[0], b[0]), e.source + e.target)
            for e in lay.edges for a, b in zip(e.points, e.points[1:], strict=False) if a[1] == b[1]]
    for i, (y, x1, x2, who) in enumerate(runs):
        for y2, u1, u2, other in runs[i + 1:]:
            assert not (y == y2 and x1 < u2 and u1 < x2), (who, other)


def test_wrap_keeps_punctuation_off_the_line_start() -> None:
    assert flowchart.wrap("是否符合许可条件？", 8) == ["是否符合许可条件？"]
    assert flowchart.wrap("一二三四五六七八九十", 4) == ["一二三四", "五六七八", "九十"]
    assert flowchart.wrap("", 4) == [""]


# ---- the drawing ---------------------------------------------------------------------------------

def test_svg_is_accessible_and_escapes_text() -> None:
    out = flowchart.svg(steps(LICENCE), "lc-ext", "外部流程图：食品经营许可")
    root = ET.fromstring(out)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "lc-ext-title lc-ext-desc"
    assert root.find(f"{ns}title").text == "外部流程图：食品经营许可"
    assert "共 7 个环节，其中 2 个判断环节" in root.find(f"{ns}desc").text
    texts = "".join(root.itertext())
    assert "作出准予许可决定并送达<a>" in texts  # text, not markup
    assert "<a>" not in out
    paths = root.findall(f"{ns}g/{ns}path")
    assert len(paths) == 7 and all(p.get("marker-end") == "url(#lc-ext-arrow)" for p in paths)
    labels = [t.text for t in root.iter(f"{ns}text") if "gp-flow__label" in (t.get("class") or "")]
    assert sorted(labels) == ["否", "否", "是", "是"]
    # colours come from the theme: no fixed fill or stroke colour in the drawing
    assert "#" not in out.replace("url(#", "")


def test_the_main_line_stays_in_the_first_column_whatever_the_listing_order() -> None:
    raw = [LICENCE[0], LICENCE[1], LICENCE[3], LICENCE[2], *LICENCE[4:]]  # 补正 listed before 受理
    assert powerflow.problems(raw) == []
    nodes = {n.step.id: n for n in flowchart.layout(steps(raw)).nodes}
    assert nodes["shouli"].col == 0 and nodes["buzheng"].col == 1
    assert nodes["xuke"].col == 0 and nodes["buyu"].col == 1
