"""Body, link, front-matter and folder mistakes: reported at their line, and check and build agree.

Each broken document is written into a copy of the test tree; ``scripts/check`` (``check.run``)
and a real Pelican build read the same copy, and the build must fail with exactly the errors the
checker reports, so no document the checker accepts is published differently from what it says.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from portal import check
from tests.conftest import ROOT, TEST_SITE, build_site

from .util import edit, errors, line_of, only

NEWS = "zwdt/2024-gzhy.md"
NOTICE = "zwdt/2024-tzgg-tingdian.md"
PAGE = "pages/xxgk/zn.md"
INVEST = "zsyz/tz/touzi-huanjing.md"
DISC = "xxgk/wj/2024/zfxxgk-gzyd.md"

NEWS_HEAD = ("---\ntitle: 县政府召开防汛工作会议\ncolumn: yw\ndepartment: xzfb\n"
             "summary: 部署防汛工作。\ndate: 2024-06-21 09:00\n---\n")


def write(site: Path, relpath: str, text: str) -> Path:
    path = site / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def news(site: Path, name: str, body: str) -> Path:
    return write(site, f"zwdt/{name}.md", NEWS_HEAD + body)


# --- 1. HTML the sanitiser drops ---------------------------------------------------------------


def test_script_is_reported_at_its_line(site: Path) -> None:
    f = news(site, "script", "第一段。\n\n<script src=\"https://cdn.example.com/a.js\"></script>\n\n第二段。\n")
    p = only(errors(site), "<script>")
    assert (p.path, p.line) == ("site/zwdt/script.md", line_of(f, "<script"))
    assert "删除" in p.message


@pytest.mark.parametrize(("html", "needle"), [
    ('<iframe src="https://v.example.com/x"></iframe>', "<iframe>"),
    ('<p onclick="go()">点击</p>', "onclick"),
    ('<p style="color: red">红字</p>', "style"),
    ('<a href="/xxgk/" target="_blank">目录</a>', "target"),
    ("<style>p { color: red }</style>", "<style>"),
    ('<form action="/x">搜索</form>', "<form>"),
    ("## 标题 {: style=\"color: red\" }", "style"),
])
def test_html_the_sanitiser_drops_is_an_error(site: Path, html: str, needle: str) -> None:
    f = news(site, "html", f"正文第一段。\n\n{html}\n")
    p = only(errors(site), needle)
    assert p.line == line_of(f, html[:6])


def test_allowed_html_and_code_samples_pass(site: Path) -> None:
    news(site, "ok", "表格：\n\n| 项目 | 数额 |\n|:--|--:|\n| 甲 | 1 |\n\n"
                     "<table><tr><th scope=\"col\" align=\"right\">数</th></tr></table>\n\n"
                     "```\n<script>alert(1)</script>\n```\n\n行内代码 `<iframe>` 不算。\n\n"
                     "<!-- <script>注释不发布</script> -->\n")
    assert errors(site) == []


# --- 2. images, links ----------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "needle"), [
    ("![](/files/bsfw/spjy-shenqingshu.pdf)", "没有替代文字"),
    ("![ ](/files/bsfw/spjy-shenqingshu.pdf)", "没有替代文字"),
    ('<img src="/files/bsfw/spjy-shenqingshu.pdf">', "没有替代文字"),
    ("![地图](https://maps.example.com/a.png)", "来自其他网站"),
    ("[点我](javascript:alert(1))", "javascript:"),
    ('<a href="javascript:void(0)">点我</a>', "javascript:"),
    ("[指南](../pages/xxgk/zn.md)", ".md 源文件"),
    ("[目录](/zsyz/tz/)", "不存在的列表页"),
    ("[主题](/xxgk/ml/zt/20/)", "不存在的列表页"),
    ("[指南](xxgk/zn.html)", "相对链接"),
    ("[官网](www.example.com)", "缺少 https://"),
    ("[文件](C:\\Users\\办公室\\通知.docx)", "电脑上的文件"),
    ("[文件](file:///D:/通知.pdf)", "电脑上的文件"),
    ("[空链接]()", "没有填写地址"),
    ("[引用][3]", "没有定义"),
    ("[指南]（/xxgk/zn.html）", "中文括号"),
    ("[指南] (/xxgk/zn.html)", "空格"),
    ("说明 <!-- 以后补充", "没有用 --> 结束"),
    ("[指南](http://localhost:8000/xxgk/zn.html)", "本机的预览地址"),
    ("[指南](https://www.shifan.gov.cn/xxgk/zn2.html)", "找不到对应的页面"),
    ("[招商](https://www.shifan.gov.cn/zsyz/tz/)", "不存在的列表页"),
])
def test_broken_image_or_link_is_an_error(site: Path, body: str, needle: str) -> None:
    f = news(site, "link", f"第一段。\n\n见 {body} 。\n")
    p = only(errors(site), needle)
    assert (p.path, p.line) == ("site/zwdt/link.md", line_of(f, body))


def test_relative_links_that_resolve_pass(site: Path) -> None:
    # from /zwdt/yw/x.html: ../../xxgk/zn.html is /xxgk/zn.html; ../tzgg/ a column list
    news(site, "rel", "[指南](../../xxgk/zn.html) [通知](../tzgg/) [会议](2024-gzhy.html) [顶部](#top)\n\n"
                      "[本站](https://www.shifan.gov.cn/xxgk/zn.html) [首页](https://www.shifan.gov.cn/)\n\n"
                      "[引用][1]\n\n[1]: https://www.gov.cn/\n")
    assert errors(site) == []


@pytest.mark.parametrize("href", ["/zwdt/tzgg/2024-gzhy.html", "../tzgg/2024-gzhy.html",
                                  "https://www.shifan.gov.cn/zwdt/tzgg/2024-gzhy.html"])
def test_a_link_to_a_news_item_under_a_column_it_is_not_in_is_an_error(site: Path, href: str) -> None:
    f = news(site, "moved", f"第一段。\n\n见[会议]({href})。\n")
    p = only(errors(site), "指向的新闻不在这个栏目")
    assert (p.path, p.line) == ("site/zwdt/moved.md", line_of(f, href))
    assert "网页地址是 /zwdt/yw/2024-gzhy.html" in p.message


def test_two_news_items_of_one_name_in_two_columns_are_each_linked_by_their_own(site: Path) -> None:
    write(site, "zwdt/2023/2024-gzhy.md", NEWS_HEAD.replace("column: yw", "column: tzgg") + "另一条。\n")
    news(site, "both", "[会议](/zwdt/yw/2024-gzhy.html) [通知](/zwdt/tzgg/2024-gzhy.html)\n")
    assert [p for p in errors(site) if "both.md" in p.path] == []
    news(site, "both", "[要闻](/zwdt/bmdt/2024-gzhy.html)\n")
    assert "网页地址是 /zwdt/" in only([p for p in errors(site) if "both.md" in p.path], "指向的新闻不在这个栏目").message


@pytest.mark.parametrize("image", ["![图片](/files/bsfw/spjy-shenqingshu.pdf)",
                                   '<img src="/files/bsfw/spjy-shenqingshu.pdf" alt="spjy-shenqingshu">'])
def test_image_alt_that_says_nothing_is_a_warning(site: Path, image: str) -> None:
    f = news(site, "alt", f"正文。\n\n{image}\n")
    p = only(check.run(site, root=site.parent).problems, "没有说明图片的内容", "warning")
    assert p.line == line_of(f, image)


@pytest.mark.parametrize("heading", ["# 一、总则", "<h1>一、总则</h1>"])
def test_first_level_heading_is_a_warning(site: Path, heading: str) -> None:
    f = news(site, "h1", f"{heading}\n\n正文。\n\n```\n# 代码里的注释\n```\n")
    p = only(check.run(site, root=site.parent).problems, "二级标题", "warning")
    assert p.line == line_of(f, heading)


def test_list_pages_the_build_writes_pass(site: Path) -> None:
    # the 信息公开 catalog, a topic and a year that have documents, a news column, a service folder
    news(site, "lists", "[目录](/xxgk/ml/) [主题](/xxgk/ml/zt/01/) [年度](/xxgk/ml/nd/2024/index.html) "
                        "[通知](/zwdt/tzgg/) [个人](/bsfw/gr/) [项目](/zsyz/xm/) [机构](/jg/)\n\n"
                        "![示意图](/files/bsfw/spjy-shenqingshu.pdf)\n")
    assert errors(site) == []


# --- 3. a key written twice ---------------------------------------------------------------------


def test_key_written_twice_is_an_error(site: Path) -> None:
    f = site / NEWS
    edit(f, "author: 县政府办\n", "author: 县政府办\ntitle: 另一个标题\n")
    p = only(errors(site), "写了两次")
    assert p.line == line_of(f, "另一个标题")
    assert f"第 {line_of(f, 'title:')} 行" in p.message


def test_key_written_twice_in_the_registry(site: Path) -> None:
    f = site / "departments.yml"
    edit(f, "    short_name: 县政府办\n", "    short_name: 县政府办\n    short_name: 政府办\n")
    p = only(errors(site), "写了两次")
    assert (p.path, p.line) == ("site/departments.yml", line_of(f, "short_name: 政府办"))


# --- 4. a page over a generated page ------------------------------------------------------------


@pytest.mark.parametrize("relpath", ["pages/sitemap.md", "pages/index.md", "pages/xxgk/index.md",
                                     "pages/404.md", "pages/zwdt/yw/index.md"])
def test_page_that_would_replace_a_generated_page(site: Path, relpath: str) -> None:
    write(site, relpath, "---\ntitle: 网站地图\n---\n正文。\n")
    p = only(errors(site), "自动生成")
    assert p.path == f"site/{relpath}"


@pytest.mark.parametrize(("relpath", "text"), [
    ("zwdt/index.md", NEWS_HEAD + "正文。\n"),  # /zwdt/yw/index.html: the column's list
    ("bsfw/spjy-xuke-qd.md", None),  # the printable checklist of bsfw/spjy-xuke.md
])
def test_document_that_would_replace_a_generated_page(site: Path, relpath: str, text: str | None) -> None:
    if text is None:
        text = (site / "bsfw" / "spjy-xuke.md").read_text(encoding="utf-8")
    write(site, relpath, text)
    found = [p for p in errors(site) if "自动生成" in p.message]
    assert [p.path for p in found] == [f"site/{relpath}"], [str(p) for p in errors(site)]


def test_contact_page_may_replace_the_generated_one(site: Path) -> None:
    write(site, "pages/contact.md", "---\ntitle: 联系我们\n---\n电话：0123-6612345。\n")
    assert errors(site) == []


# --- 6. empty bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("relpath", [INVEST, PAGE])
@pytest.mark.parametrize("body", ["\n", "\n<!-- 在本行下方用 Markdown 填写正文，填好后可删除本行。 -->\n"])
def test_investment_or_fixed_page_with_empty_body(site: Path, relpath: str, body: str) -> None:
    f = site / relpath
    head, _, _ = f.read_text(encoding="utf-8").partition("\n---\n")
    f.write_text(head + "\n---\n" + body, encoding="utf-8")
    p = only(errors(site), "正文为空")
    assert p.path == f"site/{relpath}"


# --- 8. YAML errors in Chinese ------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "needle", "at"), [
    ("author: 县政府办", "\tauthor: 县政府办", "Tab 缩进", "author:"),
    ("author: 县政府办", 'author: "县政府办', "引号 \" 没有闭合", "author:"),
    ("author: 县政府办", "author: 县政府办: 秘书科", "英文冒号", "author:"),
    ("author: 县政府办", "  author: 县政府办", "缩进不对", "author:"),
    ("author: 县政府办", "author 县政府办", "既不是", "author"),
    ("author: 县政府办", "author: @县政府办", "以 @ 开头", "author:"),
    ("author: 县政府办", "author: [县政府办] 秘书科", "以 [ 开头", "author:"),
    ("author: 县政府办", 'author: "县政府办"秘书科', "引号后面还有文字", "author:"),
    ("author: 县政府办", "author：县政府办", "中文冒号", "author："),
    ("author: 县政府办", "author:县政府办", "缺少空格", "author:"),
    ("title: 县政府召开", "title：县政府召开", "中文冒号", "title："),
])
def test_yaml_syntax_errors_in_chinese(site: Path, old: str, new: str, needle: str, at: str) -> None:
    f = site / NEWS
    edit(f, old, new)
    p = only(errors(site), needle)
    assert p.line == line_of(f, at)
    assert f"第 {p.line} 行" in p.message
    assert not any(word in p.message for word in ("mapping", "scanning", "expected", "found"))


# --- check and build agree ----------------------------------------------------------------------


BROKEN = {
    "zwdt/script.md": NEWS_HEAD + "第一段。\n\n<script>alert(1)</script>\n",
    "zwdt/iframe.md": NEWS_HEAD + "<iframe src=\"https://v.example.com/x\"></iframe>\n\n<p style=\"x\">a</p>\n",
    "zwdt/images.md": NEWS_HEAD + "![](/files/bsfw/spjy-shenqingshu.pdf)\n\n<img src=\"https://x.example.com/b.png\" alt=\"b\">\n",
    "zwdt/links.md": NEWS_HEAD + "[a](javascript:alert(1)) [b](zn.md) [c](/zsyz/tz/)\n",
    "zwdt/links2.md": NEWS_HEAD + "[a](www.example.com) [b](xxgk/zn.html) [c]() [d][9]\n\n"
                                  "[e]（/xxgk/zn.html） [f](/xxgk/ml/nd/1999/) [g](C:\\a.docx)\n\n<!-- 没结束\n",
    "zwdt/attrs.md": NEWS_HEAD + "<p onclick=\"x()\">a</p>\n\n<a href=\"/xxgk/\" target=\"_blank\">b</a>\n\n"
                                 "<font color=\"red\">c</font>\n\n# 一级标题\n",
    "zwdt/yaml.md": NEWS_HEAD.replace("column: yw\n", "column：yw\n") + "正文。\n",
    "pages/xxgk/index.md": "---\ntitle: 信息公开\n---\n正文。\n",
    "pages/about.md": "---\ntitle: 关于\n---\n<!-- 在本行下方填写正文 -->\n",
    "zwdt/twice.md": NEWS_HEAD.replace("column: yw\n", "column: yw\ncolumn: tzgg\n") + "正文。\n",
    "zwdt/tab.md": NEWS_HEAD.replace("column: yw\n", "\tcolumn: yw\n") + "正文。\n",
    "pages/sitemap.md": "---\ntitle: 网站地图\n---\n正文。\n",
    "gonggao/tongzhi.md": NEWS_HEAD + "放错目录的通知。\n",
    "tongzhi.md": NEWS_HEAD + "放在 content/ 根目录的通知。\n",
    "zwdt/kuozhan.markdown": NEWS_HEAD + "扩展名不对的通知。\n",
    "zwdt/TONGZHI.MD": NEWS_HEAD + "扩展名大写的通知。\n",
    "zwdt/moved.md": NEWS_HEAD + "见[会议](/zwdt/tzgg/2024-gzhy.html)，在另一个栏目。\n",
    "zwdt/tongzhi.docx": "Word 文件",
    "zwdt/photo.jpg": "图片",
    "files/xxgk/tongzhi.md": NEWS_HEAD + "放进附件目录的通知（警告）。\n",
}


def build_errors(content: Path, output: Path, caplog: pytest.LogCaptureFixture) -> tuple[set[str], set[str]]:
    """The errors and the warnings a real build logs (``path:line: message``); it must fail."""
    from pelican.log import LimitFilter

    from yamlmeta import yamlmeta

    caplog.clear()
    # Pelican logs a message once per process: forget what earlier builds in this process logged
    LimitFilter._raised_messages.clear()
    with caplog.at_level(logging.WARNING), pytest.raises(yamlmeta.ContentError):
        build_site(content, output)
    prefix = yamlmeta.PREFIX + " "
    ours = [r for r in caplog.records if r.getMessage().startswith(prefix)]
    return ({r.getMessage()[len(prefix):] for r in ours if r.levelno >= logging.ERROR},
            {r.getMessage()[len(prefix):] for r in ours if r.levelno == logging.WARNING})


def test_check_and_build_agree_on_every_broken_document(tmp_path: Path, caplog) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_SITE, content)
    for relpath, text in BROKEN.items():
        write(content, relpath, text)
    edit(content / INVEST, "示范县位于示范省中部，距省会120公里。", "<!-- 在本行下方填写正文 -->")
    (content / "zwdt" / "lost.md").symlink_to(tmp_path / "nowhere.md")  # a broken link
    report = check.run(content, root=tmp_path)
    checked = {str(p) for p in report.problems if p.is_error}
    built, warned = build_errors(content, tmp_path / "output", caplog)
    assert checked == built
    assert {str(p) for p in report.problems if not p.is_error} == warned
    # every broken file is named, at least once
    for relpath in [*BROKEN, INVEST, "zwdt/lost.md"]:
        assert any(p.startswith(f"content/{relpath}:") for p in checked | warned), (relpath, sorted(checked))


# --- 7. what the editor wrote, nothing more -----------------------------------------------------


def test_news_shows_the_date_and_source_as_written(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_SITE, content)
    write(content, "zwdt/wu-laiyuan.md", "---\ntitle: 县图书馆延长开放时间\ncolumn: yw\n"
                                         "date: 2024-06-21\n---\n县图书馆自7月起延长开放时间。\n")
    out = build_site(content, tmp_path / "output")
    bare = (out / "zwdt" / "yw" / "wu-laiyuan.html").read_text(encoding="utf-8")
    info = bare.split('class="gp-article__info"', 1)[1].split("</p>", 1)[0]
    assert '<time datetime="2024-06-21">2024-06-21</time>' in info
    assert "00:00" not in info
    assert "来源" not in info and "示范县人民政府" not in info
    # a time and a department, when written, are shown
    timed = (out / "zwdt" / "yw" / "2024-gzhy.html").read_text(encoding="utf-8")
    info = timed.split('class="gp-article__info"', 1)[1].split("</p>", 1)[0]
    assert "2024-06-20 10:00" in info and "来源：" in info


def test_piped_build_prints_one_line_per_error_and_no_traceback(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_SITE, content)
    long_title = "县政府召开防汛工作会议部署今年防汛抗旱和安全生产工作的重点任务与责任分工"
    write(content, "zwdt/tab.md", NEWS_HEAD.replace("title: 县政府召开防汛工作会议", f"title: {long_title}")
          .replace("column: yw\n", "\tcolumn: yw\n") + "正文。\n")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run([str(Path(sys.executable).parent / "pelican"), str(content), "-s",
                           str(ROOT / "pelicanconf.py"), "-o", str(tmp_path / "out")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out[-3000:]
    assert "content/zwdt/tab.md:3: YAML 格式错误：第 3 行用了 Tab 缩进，YAML 只能用空格" in out
    assert "ContentError: 内容有 1 处错误，未生成网站" in out
    assert "Traceback" not in out and 'File "' not in out


# --- 9. the editor commands run with the project's environment ----------------------------------


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() or not Path("/usr/bin/python3").exists(),
                    reason="needs the repository's own .venv and a system python3")
@pytest.mark.parametrize("how", ["shebang", "system python"])
def test_scripts_check_runs_with_the_project_environment(tmp_path: Path, how: str) -> None:
    script = str(ROOT / "scripts" / "check")
    cmd = [script] if how == "shebang" else ["/usr/bin/python3", script]
    # a bare environment, from another folder: the shebang's python3 is the system's
    done = subprocess.run([*cmd, str(TEST_SITE)], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "检查通过" in done.stdout


def test_a_busy_port_says_how_to_choose_another(capsys) -> None:
    from formsvc.server import serve
    from portal import ports, preview

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve.main(["--port", str(port)]) == 1
        assert f"端口 {port} 已被占用" in capsys.readouterr().err
        assert preview.main(["--port", str(port)]) == 1
        assert f"make preview PORT={port + 1}" in capsys.readouterr().err
        assert ports.main(["127.0.0.1", str(port), "make", "run"]) == 1
        assert f"make run PORT={port + 1}" in capsys.readouterr().err
    assert ports.busy_port_message("127.0.0.1", port, "make run") is None


def test_registry_yaml_errors_are_in_chinese(site: Path) -> None:
    f = site / "departments.yml"
    edit(f, "    short_name: 县政府办\n", "\tshort_name: 县政府办\n")
    p = only(errors(site), "Tab 缩进")
    assert (p.path, p.line) == ("site/departments.yml", line_of(f, "\tshort_name"))


@pytest.mark.parametrize(("written", "hint"), [("content/files/xxgk/2024/gzyd.pdf", "不写 content/"),
                                                ("files\\xxgk\\2024\\gzyd.pdf", "用 / 分隔")])
def test_attachment_path_written_the_wrong_way(site: Path, written: str, hint: str) -> None:
    f = site / DISC
    edit(f, "file: files/xxgk/2024/gzyd.pdf", f"file: {written}")
    p = only(errors(site), hint)
    assert p.line == line_of(f, "file: ")


def test_footnotes_are_published_linked_both_ways(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_SITE, content)
    news(content, "jiaozhu", "会议通过了实施方案[^1]。\n\n[^1]: 方案全文另行印发。\n")
    assert not [p for p in check.run(content, root=tmp_path).problems if p.is_error]
    page = (build_site(content, tmp_path / "out") / "zwdt" / "yw" / "jiaozhu.html").read_text(encoding="utf-8")
    assert '<sup id="fnref:1"><a href="#fn:1">1</a></sup>' in page
    assert '<li id="fn:1">' in page and 'href="#fnref:1" title="返回正文第 1 处脚注"' in page


def test_key_after_a_full_width_space(site: Path) -> None:
    f = site / NEWS
    edit(f, "author: 县政府办", "\u3000author: 县政府办")
    p = only(errors(site), "全角空格")
    assert p.line == line_of(f, "author:")
