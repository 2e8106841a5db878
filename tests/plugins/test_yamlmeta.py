"""The reader plugin: types, URLs, dates, sanitising, and a build that fails on bad content."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.conftest import build_site
from yamlmeta import yamlmeta


def test_sanitize_removes_script_and_event_handlers():
    html = '<p onclick="x()">a</p><script>alert(1)</script><a href="javascript:alert(1)">b</a>'
    clean = yamlmeta.sanitize(html)
    assert "script" not in clean
    assert "onclick" not in clean
    assert "javascript:" not in clean
    assert "<p>a</p>" in clean


def test_sanitize_keeps_tables_heading_ids_and_pelican_links():
    html = (
        '<h2 id="yi">一、总则</h2><table><tr><th scope="col">项目</th><td colspan="2">1</td></tr></table>'
        '<a href="{filename}../zwdt/a.md">链接</a>'
    )
    clean = yamlmeta.sanitize(html)
    assert '<h2 id="yi">' in clean
    assert 'colspan="2"' in clean
    assert 'href="{filename}../zwdt/a.md"' in clean


def test_sanitize_keeps_column_alignment_and_drops_style():
    # the CSP blocks style attributes: alignment travels as align=, any other style goes
    html = '<table><tr><th align="right">数额</th><td style="color: red" align="center">1</td></tr></table>'
    clean = yamlmeta.sanitize(html)
    assert 'align="right"' in clean
    assert 'align="center"' in clean
    assert "style" not in clean


def test_sanitize_demotes_h1_so_the_page_keeps_one():
    assert yamlmeta.sanitize("<h1>标题</h1>") == "<h2>标题</h2>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05 10:30", (2024, 3, 5, 10, 30)),
        ("2024-03-05", (2024, 3, 5, 0, 0)),
        (dt.date(2024, 3, 5), (2024, 3, 5, 0, 0)),
        (dt.datetime(2024, 3, 5, 9, 1), (2024, 3, 5, 9, 1)),
    ],
)
def test_to_datetime_reads_what_editors_write(value, expected):
    got = yamlmeta.to_datetime(value)
    assert (got.year, got.month, got.day, got.hour, got.minute) == expected


def test_to_datetime_rejects_nonsense():
    assert yamlmeta.to_datetime("2024-13-40") is None
    assert yamlmeta.to_datetime("去年") is None


@pytest.mark.parametrize("fmt", ["%Y-%m-%d", "%Y年%m月%d日 %H:%M", "%%d %Y", "%a %b %z %Z", "%-d日",
                                 "%e %Y", "100%", "%Y-%m-%d %%", "%j %U %W %u %V %G", "%-m/%-d %%-d"])
def test_document_dates_are_what_pelican_makes_of_them(fmt):
    from pelican.utils import SafeDatetime, set_date_tzinfo

    for naive in (SafeDatetime(2024, 5, 6), SafeDatetime(1999, 12, 31, 23, 59), SafeDatetime(2026, 1, 1, 0, 0, 5)):
        pelicans = set_date_tzinfo(naive, "Asia/Shanghai")
        ours = yamlmeta.localised(naive, "Asia/Shanghai")
        assert ours == pelicans and ours.tzinfo is pelicans.tzinfo
        assert set_date_tzinfo(ours, "Asia/Shanghai") is ours  # kept as it is by Pelican
        assert _formatted(ours, fmt) == _formatted(pelicans, fmt)


def _formatted(date: dt.datetime, fmt: str) -> str:
    try:
        return date.strftime(fmt)
    except ValueError as exc:  # Pelican's strftime fails on a lone "%": so must ours
        return f"ValueError: {exc}"


def _articles_by_type(output: Path) -> dict[str, list[Path]]:
    return {
        "disclosure": sorted((output / "xxgk" / "wj").glob("*.html")),
        "guide": sorted((output / "bsfw" / "zn").glob("*.html")),
        "news": sorted((output / "zwdt").glob("*/*.html")),
    }


def test_every_type_lands_at_its_url(built_site):
    found = _articles_by_type(built_site)
    assert found["disclosure"], "disclosure documents are written under /xxgk/wj/"
    assert found["guide"], "guides are written under /bsfw/zn/"
    assert [p for p in found["news"] if p.name != "index.html" and "index_" not in p.name]


def test_build_fails_with_file_and_line_on_bad_content(site_copy, tmp_path, caplog):
    doc = next(p for p in sorted((site_copy / "xxgk" / "wj").rglob("*.md"))
               if "validity: 有效" in p.read_text(encoding="utf-8"))
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("validity: 有效", "validity: 大概有效", 1), encoding="utf-8")
    with pytest.raises(yamlmeta.ContentError):
        build_site(site_copy, tmp_path / "out")
    rel = doc.relative_to(site_copy).as_posix()
    assert any(f"content/{rel}:" in r.getMessage() and "有效性" in r.getMessage()
               for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_build_fails_on_a_file_without_front_matter(site_copy, tmp_path, caplog):
    (site_copy / "zwdt" / "broken.md").write_text("没有元数据的新闻\n", encoding="utf-8")
    with pytest.raises(yamlmeta.ContentError):
        build_site(site_copy, tmp_path / "out")
    assert any("content/zwdt/broken.md:1:" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("body", "marked"), [
    ("<p>正文。</p>\n<p>城关镇人民政府</p>\n<p>2024年3月25日</p>\n", ["城关镇人民政府", "2024年3月25日"]),
    ("<p>正文。</p>\n<p>2024年3月25日</p>\n<p>（此件公开发布）</p>", ["2024年3月25日"]),
    ("<p>正文。</p>\n<p>示范县人民政府</p>\n<p>二〇二四年三月五日</p>", ["示范县人民政府", "二〇二四年三月五日"]),
    # a last sentence, or a date inside a sentence, is no signature
    ("<p>联系电话：0123-6615101。</p>\n<p>2024年3月25日起施行。</p>", []),
    ("<p>特此通知。</p>", []),
])
def test_signature_block_is_marked(body: str, marked: list[str]) -> None:
    html = yamlmeta.mark_signature(body)
    assert re.findall(r'<p class="gp-signature">([^<]*)</p>', html) == marked
    assert re.sub(r'<p class="gp-signature">', "<p>", html).split() == body.split()


def test_build_fails_on_a_bad_survey_and_keeps_a_good_one_off_the_stray_files(site_copy, tmp_path,
                                                                              caplog):
    """网上调查 files: the build reports them with the checker's own parser (portal/surveys.py)."""
    folder = site_copy / "surveys"
    folder.mkdir()
    (folder / "bad.yml").write_text("title: 调查\ndepartment: nobody\nopens: 2026-01-01\n"
                                    "closes: 2026-02-01\nquestions: []\n", encoding="utf-8")
    with pytest.raises(yamlmeta.ContentError):
        build_site(site_copy, tmp_path / "out")
    messages = [r.getMessage() for r in caplog.records]
    assert any("content/surveys/bad.yml:5:" in m and "questions（问题）" in m for m in messages), messages
    assert not any("不会被发布" in m for m in messages)
