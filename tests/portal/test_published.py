"""scripts/check --published OUTPUT: a document that passed but has no page in the published tree."""

from __future__ import annotations

from pathlib import Path

from portal import check

from .util import TODAY


def _published(site: Path, out: Path) -> Path:
    for _shown, url in check.run(site, TODAY, root=site.parent).urls:
        (out / url).parent.mkdir(parents=True, exist_ok=True)
        (out / url).write_text("<html></html>", encoding="utf-8")
    return out


def test_missing_page_is_a_warning(site: Path, tmp_path: Path, capsys) -> None:
    out = _published(site, tmp_path / "output")
    args = [str(site), "--today", "2024-06-25", "--published", str(out)]
    assert check.main(args) == 0
    assert "发布目录" not in capsys.readouterr().out
    (out / "zwdt/yw/2024-gzhy.html").unlink()
    assert check.main(args) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "发布目录" in line]
    assert len(lines) == 1
    assert lines[0].endswith(f"zwdt/2024-gzhy.md: 警告：已通过检查，但发布目录 {out} 中没有它的页面 "
                             "/zwdt/yw/2024-gzhy.html；网站生成后是否没有发布？")
    assert check.main([*args, "--strict"]) == 1


def test_missing_published_folder_is_a_usage_error(site: Path, tmp_path: Path, capsys) -> None:
    assert check.main([str(site), "--published", str(tmp_path / "nowhere")]) == 2
    assert "找不到发布目录" in capsys.readouterr().err
