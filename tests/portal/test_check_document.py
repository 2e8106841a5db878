"""Per-document rules: one test per rule, each on a deliberately broken copy of the test tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from .util import edit, errors, line_of, only, problems

DISC = "xxgk/wj/2024/zfxxgk-gzyd.md"  # 已修改, replaced by DISC2
DISC2 = "xxgk/wj/2024/zfxxgk-gzyd-xg.md"
GUIDE = "bsfw/spjy-xuke.md"
PROJECT = "zsyz/xm/nongchanpin-lenglian.md"
NEWS = "zwdt/2024-gzhy.md"
PAGE = "pages/xxgk/zn.md"


def test_file_outside_type_directories(site: Path) -> None:
    (site / "xxgk" / "zn.md").write_text("---\ntitle: 指南\n---\n正文\n", encoding="utf-8")
    p = only(errors(site), "不在任何内容类型目录")
    assert (p.path, p.line) == ("site/xxgk/zn.md", 1)


def test_missing_front_matter(site: Path) -> None:
    f = site / NEWS
    f.write_text("title: 没有分隔线\n\n正文\n", encoding="utf-8")
    p = only(errors(site), "缺少 YAML 元数据块")
    assert (p.path, p.line) == (f"site/{NEWS}", 1)


def test_unclosed_front_matter(site: Path) -> None:
    f = site / NEWS
    f.write_text(f.read_text(encoding="utf-8").replace("---\n6月", "6月"), encoding="utf-8")
    p = only(errors(site), "没有结束标记")
    assert p.line == 1


def test_yaml_syntax_error_reports_its_line(site: Path) -> None:
    f = site / NEWS
    edit(f, "author: 县政府办", "author: [县政府办")
    p = only(errors(site), "YAML 格式错误")
    assert p.path == f"site/{NEWS}"
    assert p.line in (line_of(f, "author:"), line_of(f, "author:") + 1)


def test_unknown_key_suggests_closest(site: Path) -> None:
    f = site / NEWS
    edit(f, "author: 县政府办", "autor: 县政府办")
    p = only(errors(site), "未知字段")
    assert p.line == line_of(f, "autor:")
    assert p.message == "未知字段 autor，是否为 author（作者）？"


def test_unknown_key_written_as_chinese_label(site: Path) -> None:
    f = site / NEWS
    edit(f, "author: 县政府办", "作者: 县政府办")
    assert only(errors(site), "未知字段").message == "未知字段 作者，是否为 author（作者）？"


def test_unknown_key_in_a_record_item(site: Path) -> None:
    f = site / GUIDE
    edit(f, "    copies: 1\n    required: true\n    source: 申请人自备\n    blank",
         "    copy: 1\n    required: true\n    source: 申请人自备\n    blank")
    found = errors(site)
    unknown = [p for p in found if "未知字段 copy" in p.message]
    assert len(unknown) == 1 and unknown[0].line == line_of(f, "copy: 1")
    assert "是否为 copies（份数）" in unknown[0].message
    missing = [p for p in found if "缺失" in p.message]
    assert len(missing) == 1 and "copies（份数）" in missing[0].message


def test_required_field_missing_reports_front_matter_start(site: Path) -> None:
    edit(site / DISC2, "topic: 综合政务\n", "")
    p = only(errors(site), "必填字段")
    assert p.line == 1
    assert p.message == "必填字段 topic（主题分类） 缺失"


def test_required_field_left_empty(site: Path) -> None:
    f = site / PROJECT
    edit(f, "location: 示范县城东工业园区", "location:")
    p = only(errors(site), "必填字段")
    assert p.line == line_of(f, "location:")
    assert "location（项目地点） 未填写" in p.message


@pytest.mark.parametrize(
    ("rel", "old", "new", "key", "needle"),
    [
        (DISC2, "written: 2024-06-10", "written: 2024-13-01", "written:", "“2024-13-01” 不存在"),
        (DISC2, "written: 2024-06-10", "written: 2024年6月10日", "written:", "应为日期 YYYY-MM-DD"),
        (DISC2, "written: 2024-06-10", "written: 2024-06-10 09:00:00", "written:", "只填日期"),
        (DISC2, "date: 2024-06-12", "date: 2024-06-31 09:30", "date:", "不存在"),
        (GUIDE, "    copies: 1\n    required: true\n    source: 申请人自备\n    blank",
         "    copies: 三\n    required: true\n    source: 申请人自备\n    blank",
         "copies: 三", "应为不小于 0 的整数"),
        (GUIDE, "visits: 0", "visits: -1", "visits:", "不能为负数"),
        (GUIDE, "  charged: false", "  charged: 否", "charged:", "应为 true 或 false"),
        (GUIDE, 'base_code: "000133101000"', "base_code: 0133101", "base_code:",
         "被 YAML 读成了数字 46657"),
        (GUIDE, "result: 食品经营许可证", "result: no", "result:", "布尔值"),
        (DISC2, "keywords:\n  - 政务公开", "keywords: 政务公开", "keywords:", "应为列表"),
        (GUIDE, "audience:\n  - 个人\n  - 法人", "audience: 个人", "audience:", "应为列表"),
        (GUIDE, "fees:\n  charged: false", "fees: 免费", "fees:", "应为若干“键: 值”"),
        (GUIDE, "hours: 周一至周五 8:30-12:00，14:30-17:30", "hours: [周一, 周二]", "hours:",
         "应为一个值，不是列表"),
        (PROJECT, "amount: 30000", "amount: 3亿元", "amount:", "应为不小于 0 的整数"),
    ],
)
def test_wrong_kind(site: Path, rel: str, old: str, new: str, key: str, needle: str) -> None:
    f = site / rel
    edit(f, old, new)
    p = only(errors(site), needle)
    assert (p.path, p.line) == (f"site/{rel}", line_of(f, key))


def test_value_not_in_allowed_list_names_first_few(site: Path) -> None:
    f = site / DISC2
    edit(f, "topic: 综合政务", "topic: 综合")
    p = only(errors(site), "不在允许范围内")
    assert p.line == line_of(f, "topic:")
    assert "topic（主题分类） 的值 “综合” 不在允许范围内，是否为 “综合政务”？" in p.message
    assert "等 21 项" in p.message


def test_value_not_in_short_allowed_list_names_all(site: Path) -> None:
    edit(site / GUIDE, "case_type: 承诺件", "case_type: 承诺")
    p = only(errors(site), "不在允许范围内")
    assert p.message.endswith("可选：“即办件”、“承诺件”")


def test_choices_item_not_allowed(site: Path) -> None:
    f = site / GUIDE
    edit(f, "  - 个人\n  - 法人", "  - 个人\n  - 法人\n  - 企业")
    p = only(errors(site), "不在允许范围内")
    assert p.line == line_of(f, "  - 企业")
    assert "第 3 项 “企业”" in p.message


def test_max_length(site: Path) -> None:
    f = site / PROJECT
    edit(f, "summary: 建设冷库、分拣中心和配送中心，服务县域果蔬外销。", "summary: " + "长" * 301)
    p = only(errors(site), "超过上限")
    assert p.line == line_of(f, "summary:")
    assert "长 301 字，超过上限 300 字" in p.message


def test_unknown_department_lists_close_codes(site: Path) -> None:
    f = site / PROJECT
    edit(f, "department: fgw", "department: fgj")
    p = only(errors(site), "不在机构名录")
    assert p.line == line_of(f, "department:")
    assert "是否为 fgw（示范县发展和改革局）" in p.message


def test_department_given_by_name_suggests_its_code(site: Path) -> None:
    edit(site / PROJECT, "department: fgw", "department: 示范县发展和改革局")
    assert "是否为 fgw" in only(errors(site), "不在机构名录").message


def test_file_field_pointing_to_missing_file(site: Path) -> None:
    f = site / DISC
    edit(f, "file: files/xxgk/2024/gzyd.pdf", "file: files/xxgk/2024/gzyd2.pdf")
    p = only(errors(site), "不存在")
    assert p.line == line_of(f, "file: files")
    assert "content/files/xxgk/2024/gzyd2.pdf 不存在" in p.message


def test_file_field_with_leading_slash(site: Path) -> None:
    edit(site / DISC, "file: files/xxgk/2024/gzyd.pdf", "file: /files/xxgk/2024/gzyd.pdf")
    assert "不以 / 开头" in only(errors(site), "attachments").message


def test_url_field_must_be_http_or_site_path(site: Path) -> None:
    f = site / GUIDE
    edit(f, "online_url: https://zwfw.shifan.gov.cn/scjgj/spjy", "online_url: zwfw.shifan.gov.cn")
    p = only(errors(site), "online_url")
    assert p.line == line_of(f, "online_url:")
    assert "应以 http://、https:// 或 / 开头" in p.message


def test_url_field_accepts_site_path(site: Path) -> None:
    edit(site / GUIDE, "online_url: https://zwfw.shifan.gov.cn/scjgj/spjy", "online_url: /hdjl/zx/new")
    assert errors(site) == []


def test_index_no_format(site: Path) -> None:
    f = site / DISC2
    edit(f, "index_no: 01150001-1/2024-00002", "index_no: 01150001-1/2024-2")
    found = errors(site)
    fmt = [p for p in found if "格式不对" in p.message]
    assert len(fmt) == 1 and fmt[0].line == line_of(f, "index_no:")
    # DISC's replaced_by now points nowhere: reported on DISC, not here
    assert {p.path for p in found} == {f"site/{DISC2}", f"site/{DISC}"}


def test_index_no_org_code_must_be_publishers(site: Path) -> None:
    f = site / DISC2
    edit(f, "publisher: xzfb", "publisher: fgw")
    p = only(errors(site), "组织机构代码")
    assert p.line == line_of(f, "index_no:")
    assert "与发布机构 fgw（示范县发展和改革局）的 01150002-2 不一致" in p.message


def test_index_no_year_must_be_date_year(site: Path) -> None:
    f = site / DISC2
    edit(f, "date: 2024-06-12", "date: 2025-01-02")
    edit(f, "written: 2024-06-10", "written: 2024-12-30")
    p = only(errors(site, today=__import__("datetime").date(2025, 1, 5)), "年份")
    assert p.line == line_of(f, "index_no:")
    assert "年份 2024 应与发布日期 date 的年份 2025 一致" in p.message


def test_doc_no_with_square_brackets(site: Path) -> None:
    f = site / DISC2
    edit(f, "doc_no: 示政办〔2024〕21号", "doc_no: 示政办[2024]21号")
    p = only(errors(site), "doc_no")
    assert p.line == line_of(f, "doc_no:")
    assert "六角括号〔〕，如 示政办〔2024〕21号" in p.message


def test_doc_no_with_full_width_parentheses(site: Path) -> None:
    edit(site / DISC2, "doc_no: 示政办〔2024〕21号", "doc_no: 示政办（2024）21号")
    assert "六角括号" in only(errors(site), "doc_no").message


def test_doc_no_other_format(site: Path) -> None:
    edit(site / DISC2, "doc_no: 示政办〔2024〕21号", "doc_no: 21号")
    assert "应如 示政办〔2024〕12号" in only(errors(site), "doc_no").message


def test_written_after_date(site: Path) -> None:
    f = site / DISC2
    edit(f, "written: 2024-06-10", "written: 2024-06-13")
    p = only(errors(site), "晚于发布日期")
    assert p.line == line_of(f, "written:")


def test_date_in_the_future(site: Path) -> None:
    f = site / NEWS
    edit(f, "date: 2024-06-20 10:00", "date: 2024-06-27 10:00")
    p = only(errors(site), "将来的日期")
    assert p.line == line_of(f, "date:")


def test_date_tomorrow_is_allowed(site: Path) -> None:
    # editors in a later time zone or scheduling for the morning: one day of slack
    edit(site / NEWS, "date: 2024-06-20 10:00", "date: 2024-06-26 08:00")
    assert errors(site) == []


def test_validity_amended_without_replaced_by(site: Path) -> None:
    f = site / DISC
    edit(f, "replaced_by: 01150001-1/2024-00002\n", "")
    p = only(errors(site), "replaced_by")
    assert p.line == line_of(f, "validity:")
    assert "“已修改” 时必须填写" in p.message


def test_replaced_by_while_valid_is_a_warning(site: Path) -> None:
    f = site / DISC2
    edit(f, "validity: 有效", "validity: 有效\nreplaced_by: 01150001-1/2024-00001")
    assert errors(site) == []
    p = only(problems(site), "replaced_by", "warning")
    assert p.line == line_of(f, "replaced_by:")


def test_invalid_from_before_written(site: Path) -> None:
    f = site / DISC
    edit(f, "validity: 已修改", "validity: 已修改\ninvalid_from: 2024-02-01")
    p = only(errors(site), "失效日期")
    assert p.line == line_of(f, "invalid_from:")
    assert "早于成文日期 2024-03-01" in p.message


def test_slug_must_be_lowercase_ascii(site: Path) -> None:
    (site / PROJECT).rename(site / "zsyz/xm/Lenglian_Wuliu.md")
    p = only(errors(site), "文件名")
    assert (p.path, p.line) == ("site/zsyz/xm/Lenglian_Wuliu.md", 1)
    assert "“Lenglian_Wuliu”" in p.message


def test_page_slug_checks_every_path_segment(site: Path) -> None:
    (site / "pages/XXGK").mkdir()
    (site / "pages/XXGK/gk.md").write_text("---\ntitle: 概况\n---\n正文\n", encoding="utf-8")
    p = only(errors(site), "文件名")
    assert (p.path, p.line) == ("site/pages/XXGK/gk.md", 1)
    assert "“XXGK”" in p.message


def test_disclosure_outside_year_directory(site: Path) -> None:
    (site / DISC2).rename(site / "xxgk/wj/zfxxgk-gzyd-xg.md")
    edit(site / "xxgk/wj/zfxxgk-gzyd-xg.md", "{filename}zfxxgk", "{filename}2024/zfxxgk")
    p = only(errors(site), "年份")
    assert p.line == 1 and "xxgk/wj/<年份>/" in p.message


def test_disclosure_in_another_years_directory_is_a_warning(site: Path) -> None:
    (site / "xxgk/wj/2023").mkdir()
    moved = site / "xxgk/wj/2023/zfxxgk-gzyd-xg.md"
    (site / DISC2).rename(moved)
    edit(moved, "{filename}zfxxgk", "{filename}../2024/zfxxgk")
    assert errors(site) == []
    p = only(problems(site), "年目录", "warning")
    assert (p.path, p.line) == ("site/xxgk/wj/2023/zfxxgk-gzyd-xg.md", 1)
    assert p.message == "文件放在 2023 年目录下，但发布日期是 2024 年"


def test_invalid_from_while_valid_is_a_warning(site: Path) -> None:
    f = site / DISC2
    edit(f, "validity: 有效", "validity: 有效\ninvalid_from: 2025-01-01")
    assert errors(site) == []
    assert only(problems(site), "invalid_from", "warning").line == line_of(f, "invalid_from:")


def test_catch_all_condition_is_a_warning(site: Path) -> None:
    f = site / GUIDE
    edit(f, "  - 有专职或者兼职", "  - 法律法规规定的其他条件\n  - 有专职或者兼职")
    assert errors(site) == []
    p = only(problems(site), "兜底条款", "warning")
    assert p.line == line_of(f, "法律法规规定的其他条件")


def test_life_event_must_match_audience(site: Path) -> None:
    f = site / GUIDE
    edit(f, "audience:\n  - 个人\n  - 法人", "audience:\n  - 法人")
    p = only(errors(site), "life_events")
    assert p.line == line_of(f, "  - 就业创业")
    assert "“就业创业” 属于 “个人” 类，但 audience（服务对象）只有 法人" in p.message


@pytest.mark.parametrize("rel", [NEWS, DISC2])
def test_empty_body(site: Path, rel: str) -> None:
    f = site / rel
    text = f.read_text(encoding="utf-8")
    f.write_text(text[: text.rindex("---\n") + 4] + "\n<!-- 稍后补 -->\n", encoding="utf-8")
    p = only(errors(site), "正文为空")
    assert p.line == line_of(f, "<!--") - 2  # the closing fence


def test_empty_body_allowed_for_guides(site: Path) -> None:
    f = site / GUIDE
    text = f.read_text(encoding="utf-8")
    f.write_text(text[: text.rindex("---\n") + 4], encoding="utf-8")
    assert errors(site) == []


@pytest.mark.parametrize(
    ("link", "needle"),
    [
        ("[旧文](/xxgk/wj/nope.html)", "站内链接 /xxgk/wj/nope.html 找不到对应的页面"),
        ("[旧文]({filename}nope.md)", "content/zwdt/nope.md 不存在"),
        ("![图](/files/zwdt/2024/a.jpg)", "content/files/zwdt/2024/a.jpg 不存在"),
        ("[表]({static}/files/nope.pdf)", "content/files/nope.pdf 不存在"),
        ('<a href="/jg/nope.html">机构</a>', "/jg/nope.html"),
        ("[ref]: /bsfw/zn/nope.html", "/bsfw/zn/nope.html"),
        ("[清单](/bsfw/zn/nope-qd.html)", "/bsfw/zn/nope-qd.html"),
    ],
)
def test_broken_internal_link_reports_body_line(site: Path, link: str, needle: str) -> None:
    f = site / NEWS
    edit(f, "工作会议。\n", f"工作会议。\n\n第二段。\n{link}\n")
    p = only(errors(site), needle)
    assert (p.path, p.line) == (f"site/{NEWS}", line_of(f, link))


def test_internal_links_that_resolve(site: Path) -> None:
    links = "\n".join([
        "[首页](/)", "[公开](/xxgk/)", "[要闻](/zwdt/yw/)", "[会议](/zwdt/yw/2024-gzhy.html)",
        "[文件](/xxgk/wj/zfxxgk-gzyd.html#fj)", "[指南](/bsfw/zn/spjy-xuke.html)",
        "[项目](/zsyz/xm/nongchanpin-lenglian.html)", "[环境](/zsyz/tz/touzi-huanjing.html)",
        "[机构](/jg/fgw.html)", "[留言](/hdjl/zx/new)", "[搜索](/search?q=许可)",
        "[接口](/api/v1/departments)", "[清单](/bsfw/zn/spjy-xuke-qd.html)", "[地图](/sitemap.html)",
        "[订阅](/feeds/zwdt.atom.xml)", "[附件](/files/xxgk/2024/gzyd.pdf)",
        "[同栏]({filename}2024-tzgg-tingdian.md)", "[文件]({filename}/xxgk/wj/2024/zfxxgk-gzyd.md)",
        "[表]({static}/files/bsfw/spjy-shenqingshu.pdf)", "[外](https://www.gov.cn/)",
        "```", "[代码里](/nope.html)", "```", "<!-- [注释里](/nope.html) -->",
    ])
    edit(site / NEWS, "工作会议。\n", f"工作会议。\n\n{links}\n")
    assert errors(site) == []
