"""The message service under load on loopback: gunicorn with several workers, driven by wrk.

In one run and one server configuration (gunicorn, ``WORKERS`` sync workers, 127.0.0.1):

* ``GET /hello`` of a bare Flask app: the ceiling of the stack;
* ``POST /insert`` of the same bare app: one durable INSERT through ``formsvc.db.make_engine``,
  i.e. the same SQLite settings as formsvc (WAL, foreign keys, busy timeout): the ceiling for
  durable writes;
* ``POST /api/v1/messages`` of formsvc itself: validation, message, event and outbox rows in one
  transaction, with varied bodies from a wrk Lua script;
* ``POST /api/v1/track``: a tracking lookup of a stored message.

Every accepted submission must be in the database afterwards (rows counted against wrk's 2xx).
Needs ``wrk`` (Debian package) and gunicorn (the ``prod`` extra).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WORKERS = 4
WRK_THREADS = 2
WRK_CONNECTIONS = 20

# Flask app of the baselines; gunicorn imports it as portal.loadtest:baseline_app().
BASELINE_TABLE = "CREATE TABLE IF NOT EXISTS bench_row (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"


def baseline_app():
    """Bare Flask: GET /hello, POST /insert (one INSERT, formsvc's engine settings)."""
    from flask import Flask, request
    from sqlalchemy import text

    from formsvc.db import make_engine

    app = Flask("baseline")
    engine = make_engine(os.environ["BASELINE_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text(BASELINE_TABLE))

    @app.get("/hello")
    def hello() -> str:
        return "hello"

    @app.post("/insert")
    def insert() -> tuple[str, int]:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_row (body) VALUES (:b)"),
                         {"b": request.get_data(as_text=True)})
        return "ok", 201

    return app


# wrk scripts: a varied, valid submission per request (the duplicate check sees different text).
SUBMIT_LUA = r"""
local n = 0
local kinds = {"zx", "jy", "ts"}
local depts = {"rsj", "mzj", "jyj", "wsjkj", "zjj", "ylbzj", "xzspj"}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local id = tostring(math.random(1, 1000000000)) .. "-" .. n
  local body = '{"kind":"' .. kinds[(n % 3) + 1] .. '","name":"张三","phone":"138' ..
    string.format("%08d", math.random(0, 99999999)) .. '","email":"",' ..
    '"department":"' .. depts[(n % 7) + 1] .. '","subject":"社保卡办理咨询 ' .. id .. '",' ..
    '"content":"请问社保卡补办需要带哪些材料，在哪里办理？编号 ' .. id .. '"}'
  return wrk.format(nil, "/api/v1/messages", nil, body)
end
"""
INSERT_LUA = r"""
local n = 0
wrk.method = "POST"
request = function()
  n = n + 1
  return wrk.format(nil, "/insert", nil, "请问社保卡补办需要带哪些材料，在哪里办理？" .. n)
end
"""
TRACK_LUA_TEMPLATE = r"""
local creds = {CREDS}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local c = creds[(n % #creds) + 1]
  return wrk.format(nil, "/api/v1/track", nil,
    '{"tracking_number":"' .. c[1] .. '","query_code":"' .. c[2] .. '"}')
end
"""
REPORT_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\":%d,\"duration_us\":%d,\"non2xx\":%d," ..
    "\"errors\":%d,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"mean_ms\":%.2f}\n",
    summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


class Gunicorn:
    """gunicorn on loopback with deploy/gunicorn.conf.py; stopped on exit."""

    def __init__(self, app: str, env: dict[str, str], log: Path, workers: int = WORKERS) -> None:
        self.port = free_port()
        self.app = app
        self.env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESSLOG": "",
                    "GUNICORN_LOGLEVEL": "warning"}
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        out = open(self.log, "ab")  # noqa: SIM115 (owned by the process's lifetime)
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", str(REPO_ROOT / "deploy" / "gunicorn.conf.py"),
             self.app], cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def wrk(url: str, duration: float, script: str | None, workdir: Path, name: str,
        threads: int = WRK_THREADS, connections: int = WRK_CONNECTIONS) -> dict[str, Any]:
    """One wrk run; requests/s, latency percentiles, non-2xx and socket errors."""
    lua = workdir / f"{name}.lua"
    lua.write_text((script or "") + REPORT_LUA, encoding="utf-8")
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, int(duration))}s",
           "--latency", "-s", str(lua), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    m = re.search(r"^JSON (\{.*\})$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    r = json.loads(m.group(1))
    r["rps"] = round(r["requests"] / (r["duration_us"] / 1e6), 1)
    r["ok"] = r["requests"] - r["non2xx"]
    return r


def prepare_formsvc(workdir: Path, database_url: str | None = None) -> dict[str, str]:
    """An instance folder and a migrated database with the departments synced; its environment."""
    from formsvc import create_app, db, migrate
    from formsvc.services import departments

    inst = workdir / "instance"
    inst.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{inst / 'formsvc.sqlite3'}"
    env = {
        "FORMSVC_INSTANCE_PATH": str(inst),
        "DATABASE_URL": url,
        "FORMSVC_SECRET_KEY": "bench-secret-key",
        # the load comes from one address: lift the per-address limits for the throughput runs
        "FORMSVC_SUBMIT_RATE_LIMIT": "100000000 per hour",
        "FORMSVC_TRACK_RATE_LIMIT": "100000000 per hour",
        # production keeps the counters in Redis (deploy/formsvc.env.example); memory:// when
        # no Redis answers (its backend starts a timer thread per request: ~4 ms here)
        "FORMSVC_RATELIMIT_STORAGE_URI": os.environ.get("LOADTEST_RATELIMIT_STORAGE_URI")
        or ("redis://127.0.0.1:6379/15" if _redis_up() else "memory://"),
    }
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        app = create_app()
        with app.app_context():
            session = db.new_session()
            departments.sync(session, app.config["CONTENT_DIR"])
            session.close()
        db.get_engine(app).dispose()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return env


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def count_rows(url: str) -> dict[str, int]:
    path = url[len("sqlite:///"):]
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in ("message", "event", "outbox")}


def submit_one(base: str) -> dict[str, Any]:
    body = json.dumps({"kind": "zx", "name": "李四", "phone": "13912345678", "department": "rsj",
                       "subject": "查询测试", "content": "请问居民医保怎么缴费？测试查询。"}).encode()
    req = urllib.request.Request(f"{base}/api/v1/messages", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def run(workdir: Path, messages: int = 0, duration: float = 8.0) -> dict[str, Any]:
    """All throughput runs in one server configuration; see the module docstring."""
    if shutil.which("wrk") is None:
        raise SystemExit("需要 wrk：apt-get install wrk")
    work = workdir / "service"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = work / "gunicorn.log"
    result: dict[str, Any] = {"workers": WORKERS, "wrk": f"-t{WRK_THREADS} -c{WRK_CONNECTIONS}",
                              "duration_s": duration, "load_start": os.getloadavg()[0]}
    base_env = {"BASELINE_DATABASE_URL": f"sqlite:///{work / 'baseline.sqlite3'}"}
    with Gunicorn("portal.loadtest:baseline_app()", base_env, log) as g:
        wait_http(f"{g.base}/hello")
        result["hello"] = wrk(f"{g.base}/hello", duration, None, work, "hello")
        result["insert"] = wrk(f"{g.base}/insert", duration, INSERT_LUA, work, "insert")
    env = prepare_formsvc(work)
    with Gunicorn("formsvc.wsgi:app", env, log) as g:
        wait_http(f"{g.base}/api/v1/kinds")
        result["submit"] = wrk(f"{g.base}/api/v1/messages", duration, SUBMIT_LUA, work, "submit")
        rows = count_rows(env["DATABASE_URL"])
        result["rows_after_submit"] = rows
        # requests still in flight when wrk stops complete on the server: rows may exceed wrk's count
        result["all_accepted_stored"] = rows["message"] >= result["submit"]["ok"]
        creds = [submit_one(g.base) for _ in range(20)]
        lua = TRACK_LUA_TEMPLATE.replace("{CREDS}", "{" + ",".join(
            f'{{"{c["tracking_number"]}","{c["query_code"]}"}}' for c in creds) + "}")
        result["track"] = wrk(f"{g.base}/api/v1/track", duration, lua, work, "track")
    ins = result["insert"]["rps"]
    result["ratelimit_storage"] = env["FORMSVC_RATELIMIT_STORAGE_URI"]
    result["submit_vs_insert"] = round(result["submit"]["rps"] / ins, 3) if ins else None
    result["submit_vs_hello"] = round(result["submit"]["rps"] / result["hello"]["rps"], 3)
    return result


def table(r: dict[str, Any]) -> list[str]:
    lines = [f"## 留言服务（gunicorn {r['workers']} 个 worker，wrk {r['wrk']}，每项 {r['duration_s']} 秒）",
             "", "| 端点 | 请求/秒 | p50 ms | p99 ms | 非 2xx | 套接字错误 |", "|---|---|---|---|---|---|"]
    for key, label in (("hello", "GET /hello（裸 Flask）"), ("insert", "POST /insert（一次 INSERT）"),
                       ("submit", "POST /api/v1/messages（完整提交）"), ("track", "POST /api/v1/track（查询）")):
        x = r.get(key)
        if x:
            lines.append(f"| {label} | {x['rps']:,} | {x['p50_ms']} | {x['p99_ms']} | {x['non2xx']} | "
                         f"{x['errors']} |")
    lines += ["", f"完整提交 / INSERT = {r.get('submit_vs_insert')}；完整提交 / hello = "
                  f"{r.get('submit_vs_hello')}；受理的提交全部入库：{r.get('all_accepted_stored')} "
                  f"（{r.get('rows_after_submit')}）", ""]
    return lines


if __name__ == "__main__":
    out = run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/portal-bench"))
    print("\n".join(table(out)))
    print(json.dumps(out, ensure_ascii=False, indent=1))
