"""定期通报's PDFs as stored files (services/report_files.py): an ended month is rendered once
(public and internal apart) and served from REPORT_DIR afterwards, the running month is rendered
each time, ``supervision-report`` rewrites the files, a failed render leaves nothing behind and
concurrent first requests render once."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from formsvc.domain.supervision import parse_period
from formsvc.services import monthly_report, report_files, report_pdf
from tests.formsvc.conftest import soup
from tests.formsvc.workbench.helpers import insert_message, login

NOV = parse_period("2026-11")


@pytest.fixture
def month(staff: Flask) -> Flask:
    """Two November messages, one of them overdue (a case for the internal copy)."""
    insert_message(staff, dept="rsj", status="assigned", received_on=date(2026, 11, 20),
                   due_date=date(2026, 11, 27), subject="rsj 超期未答复")
    insert_message(staff, dept="zjj", status="assigned", received_on=date(2026, 11, 2),
                   due_date=date(2026, 11, 9), subject="zjj 的留言")
    return staff


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every PDF rendering (True: the public copy) and every build of the report's data."""
    calls: list[Any] = []
    real_render, real_build = report_pdf.render, monthly_report.build

    def render(report: monthly_report.MonthlyReport, *a: Any, **kw: Any) -> bytes:
        calls.append(report.public)
        return real_render(report, *a, **kw)

    def build(*a: Any, **kw: Any) -> monthly_report.MonthlyReport:
        calls.append("build")
        return real_build(*a, **kw)

    monkeypatch.setattr(report_pdf, "render", render)
    monkeypatch.setattr(monthly_report, "build", build)
    return calls


def _stored(app: Flask, public: bool) -> Path:
    return report_files.pdf_path(app.config, NOV, public)


def test_an_ended_month_is_rendered_once_and_served_from_its_file(
        month: Flask, renders: list[Any]) -> None:
    client = month.test_client()
    first = client.get("/hdjl/report?month=2026-11&format=pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert 'filename="tongbao-2026-11.pdf"' in first.headers["Content-Disposition"]
    assert renders == ["build", True]
    path = _stored(month, public=True)
    assert path.read_bytes() == first.get_data()
    mtime = path.stat().st_mtime_ns
    second = client.get("/hdjl/report?month=2026-11&format=pdf")
    assert second.status_code == 200 and second.get_data() == first.get_data()
    assert renders == ["build", True]  # neither the data nor the PDF built again
    assert path.stat().st_mtime_ns == mtime
    # the internal copy is a file of its own, never the public one (and the reverse)
    login(client, "sup")
    inside = [client.get("/hdjl/staff/report?month=2026-11&format=pdf") for _ in range(2)]
    assert all(r.status_code == 200 for r in inside)
    assert 'filename="tongbao-2026-11-neibu.pdf"' in inside[0].headers["Content-Disposition"]
    assert inside[0].get_data() == inside[1].get_data() != first.get_data()
    assert renders == ["build", True, "build", False]
    assert _stored(month, public=False).read_bytes() == inside[0].get_data()
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.startswith(".")) == [
        "tongbao-2026-11-neibu.pdf", "tongbao-2026-11.pdf"]


def test_the_running_month_is_rendered_every_time(month: Flask, renders: list[Any]) -> None:
    client = month.test_client()
    login(client, "sup")
    running = client.get("/hdjl/staff/report", query_string={"format": "pdf"})
    assert running.status_code == 200 and running.mimetype == "application/pdf"
    client.get("/hdjl/staff/report", query_string={"format": "pdf"})
    assert renders.count(False) == 2
    folder = Path(month.config["REPORT_DIR"])
    assert not folder.exists() or not list(folder.glob("*.pdf"))


def test_the_command_rewrites_the_stored_files(month: Flask, tmp_path: Path) -> None:
    client = month.test_client()
    assert client.get("/hdjl/report?month=2026-11&format=pdf").status_code == 200
    path = _stored(month, public=True)
    path.write_bytes(b"%PDF-stale")  # what the route serves is the file
    assert client.get("/hdjl/report?month=2026-11&format=pdf").get_data() == b"%PDF-stale"
    out = month.test_cli_runner().invoke(args=["supervision-report", "--month", "2026-11",
                                               "--no-store"])
    assert out.exit_code == 0, out.output
    fresh = path.read_bytes()
    assert fresh.startswith(b"%PDF-1.") and fresh != b"%PDF-stale"
    assert _stored(month, public=False).read_bytes().startswith(b"%PDF-1.")
    assert (path.parent / "tongbao-2026-11.html").is_file()
    assert client.get("/hdjl/report?month=2026-11&format=pdf").get_data() == fresh
    # --out: a copy elsewhere as well, the stored files replaced all the same
    path.write_bytes(b"%PDF-stale")
    out = month.test_cli_runner().invoke(args=["supervision-report", "--month", "2026-11",
                                               "--no-store", "--out", str(tmp_path / "copy")])
    assert out.exit_code == 0, out.output
    assert path.read_bytes() != b"%PDF-stale"
    assert {p.name for p in (tmp_path / "copy").iterdir()} == {
        "tongbao-2026-11.html", "tongbao-2026-11.pdf", "tongbao-2026-11-neibu.pdf"}


def test_a_failed_render_stores_nothing(month: Flask) -> None:
    month.config["REPORT_FONT"] = "/nonexistent/font.ttc"
    r = month.test_client().get("/hdjl/report?month=2026-11&format=pdf")
    assert r.status_code == 503 and "中文字体" in r.get_data(as_text=True)
    folder = Path(month.config["REPORT_DIR"])
    assert not folder.exists() or not [p for p in folder.iterdir() if p.suffix != ".lock"]


def test_concurrent_first_requests_render_once(tmp_path: Path) -> None:
    config = {"REPORT_DIR": str(tmp_path / "tongbao")}
    calls: list[int] = []
    start = threading.Barrier(4)
    bodies: list[bytes] = []

    def render() -> bytes:
        calls.append(1)
        time.sleep(0.2)  # long enough for the others to reach the lock (not a timing assert)
        return b"%PDF-one"

    def request() -> None:
        start.wait()
        bodies.append(report_files.stored_or_render(config, NOV, True, render))

    threads = [threading.Thread(target=request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and bodies == [b"%PDF-one"] * 4
    assert [p.name for p in (tmp_path / "tongbao").iterdir() if not p.name.startswith(".")] == [
        "tongbao-2026-11.pdf"]
    assert not list((tmp_path / "tongbao").glob("*.tmp"))


def test_the_public_report_is_linked_from_the_interaction_page(month: Flask) -> None:
    client = month.test_client()
    index = soup(client.get("/hdjl/"))
    links = [a for a in index.find_all("a") if a["href"].endswith("/hdjl/report")]
    assert len(links) == 1 and "通报" in links[0].get_text()
    r = client.get("/hdjl/report")  # the link works without a month: the last one that ended
    assert r.status_code == 200 and "留言办理情况通报" in soup(r).find("h1").get_text()


@pytest.mark.parametrize("month_arg", ["../../etc/passwd", "2026-11/../x", "2099-01", "2026-Q4",
                                        "2026", "", "2026-11\x00"])
def test_a_bad_month_stores_nothing(month: Flask, month_arg: str) -> None:
    """Only a checked month names a file: the rest is the Chinese error page, nothing written."""
    client = month.test_client()
    r = client.get("/hdjl/report", query_string={"month": month_arg, "format": "pdf"})
    if month_arg == "":  # empty: the last month that ended, a real PDF
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        return
    assert r.status_code == 400 and "text/html" in r.content_type
    folder = Path(month.config["REPORT_DIR"])
    assert not folder.exists() or not list(folder.iterdir())
