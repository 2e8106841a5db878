"""``scripts/stack-test``: the production stack on loopback, for real, then torn down.

Brings up, in a temporary directory and on free loopback ports: PostgreSQL (Debian's, a fresh
cluster), Redis, formsvc under gunicorn with several workers (deploy/gunicorn.conf.py, rate
limits in Redis), and nginx with the deployed configuration (deploy/nginx/*.conf) serving a fresh
build of content/ and proxying the service paths. Then it checks:

1. static pages come from nginx with the security and cache headers; unknown paths get 404.html;
2. a short load of submissions through nginx from many client addresses (127.0.x.y: all of
   127/8 is loopback) is accepted, and every accepted tracking number is in PostgreSQL;
3. the per-address submission limit holds across the gunicorn workers (Redis is shared): one
   address gets exactly the limit accepted, the rest 429;
4. nginx's own per-address cap (deploy/nginx/portal-zones.conf) cuts off a flood from one
   address with 429 in formsvc's words (JSON under /api/, a Chinese page elsewhere) while other
   addresses are still served.

Bounded in time (``--timeout``, default 280 s), cleans up after itself, exits non-zero on failure.
Needs the Debian packages nginx (or nginx-light), postgresql and redis-server.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import REPO_ROOT
from harness.ports import reserved_port

VENV_BIN = Path(sys.executable).parent
WORKERS = 4
LIMIT_PER_MINUTE = 10  # the submission limit the test sets and then checks
NGINX_BURST = 40  # deploy/nginx/formsvc-proxy.conf: limit_req … burst=40
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy",
                    "Referrer-Policy")


class Failure(Exception):
    pass


def wait_port(port: int, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise Failure(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise Failure(f"{what} did not listen on {port} within {timeout} s")


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise Failure(f"{name} not found: apt-get install postgresql")
    return path


def request(port: int, method: str, path: str, body: dict | None = None,
            source: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to nginx from a chosen loopback source address."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


class Stack:
    """The processes of the stack and how to stop them, newest first."""

    def __init__(self, tmp: Path, log: Callable[[str], None]) -> None:
        self.tmp = tmp
        self.log = log
        self.stops: list[Callable[[], None]] = []
        self.ports = contextlib.ExitStack()  # released once the servers on them have stopped
        self.as_root = os.geteuid() == 0

    def port(self) -> int:
        """A loopback port for one of the stack's servers, kept from everyone else until the
        stack closes (harness.ports: PostgreSQL, Redis, gunicorn and nginx bind it all the same)."""
        return self.ports.enter_context(reserved_port())

    def spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None,
              user: str | None = None) -> subprocess.Popen:
        if user and self.as_root:
            cmd = ["runuser", "-u", user, "--", *cmd]
        out = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (closed with the stack)
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                                env={**os.environ, **(env or {})}, start_new_session=True)

        def stop() -> None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
            out.close()

        self.stops.append(stop)
        return proc

    def close(self) -> None:
        for stop in reversed(self.stops):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 (keep tearing down the rest)
                self.log(f"cleanup: {exc}")
        self.stops.clear()
        self.ports.close()

    # ---- services -----------------------------------------------------------------------------

    def postgres(self) -> str:
        port = self.port()
        data = self.tmp / "pg"
        sock = self.tmp / "pgsock"
        sock.mkdir()
        owner = "postgres" if self.as_root else None
        if owner:
            uid = pwd.getpwnam(owner)
            os.chown(sock, uid.pw_uid, uid.pw_gid)
            os.chmod(self.tmp, 0o755)
        init = [pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8"]
        if owner:
            data.mkdir()
            os.chown(data, pwd.getpwnam(owner).pw_uid, pwd.getpwnam(owner).pw_gid)
            init = ["runuser", "-u", owner, "--", *init]
        subprocess.run(init, check=True, capture_output=True, timeout=120)
        proc = self.spawn("postgres", [pg_bin("postgres"), "-D", str(data), "-p", str(port),
                                       "-c", "listen_addresses=127.0.0.1",
                                       "-c", f"unix_socket_directories={sock}",
                                       "-c", "fsync=on", "-c", "max_connections=100"],
                          user=owner)
        wait_port(port, 60, "PostgreSQL", proc)
        for _ in range(50):
            r = subprocess.run([pg_bin("createdb") if os.path.exists(pg_bin("createdb"))
                                else "createdb", "-h", "127.0.0.1", "-p", str(port), "-U",
                                "postgres", "formsvc"], capture_output=True, text=True)
            if r.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise Failure(f"createdb failed: {r.stderr}")
        self.log(f"PostgreSQL on 127.0.0.1:{port}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/formsvc"

    def redis(self) -> str:
        server = shutil.which("redis-server")
        if server is None:
            raise Failure("redis-server not found: apt-get install redis-server")
        port = self.port()
        proc = self.spawn("redis", [server, "--port", str(port), "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no", "--dir", str(self.tmp)])
        wait_port(port, 20, "Redis", proc)
        self.log(f"Redis on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"

    def formsvc(self, database_url: str, redis_url: str) -> int:
        inst = self.tmp / "instance"
        inst.mkdir()
        env = {
            "DATABASE_URL": database_url,
            "FORMSVC_INSTANCE_PATH": str(inst),
            "FORMSVC_SECRET_KEY": "stack-test-secret",
            "FORMSVC_RATELIMIT_STORAGE_URI": redis_url,
            "FORMSVC_SUBMIT_RATE_LIMIT": f"{LIMIT_PER_MINUTE} per minute",
            "FORMSVC_PROXY_COUNT": "1",
        }
        setup = ("from formsvc import create_app, db\n"
                 "from formsvc.services import departments\n"
                 "app = create_app()\n"
                 "with app.app_context():\n"
                 "    s = db.new_session(); departments.sync(s, app.config['CONTENT_DIR']); s.close()\n")
        for cmd in ([str(VENV_BIN / "flask"), "--app", "formsvc.server.wsgi", "db-upgrade"],
                    [sys.executable, "-c", setup]):
            r = subprocess.run(cmd, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True,
                               text=True, timeout=120)
            if r.returncode:
                raise Failure(f"{' '.join(cmd[:3])} failed:\n{r.stdout}\n{r.stderr}")
        port = self.port()
        proc = self.spawn("gunicorn", [str(VENV_BIN / "gunicorn"), "-c",
                                       str(REPO_ROOT / "deploy" / "gunicorn.conf.py"),
                                       "formsvc.server.wsgi:app"],
                          env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                               "GUNICORN_WORKERS": str(WORKERS), "GUNICORN_ACCESSLOG": ""})
        wait_port(port, 60, "gunicorn", proc)
        self.log(f"formsvc under gunicorn ({WORKERS} workers) on 127.0.0.1:{port}")
        return port

    def site(self) -> Path:
        out = self.tmp / "output"
        r = subprocess.run([str(VENV_BIN / "pelican"), str(REPO_ROOT / "content"), "-s",
                            str(REPO_ROOT / "pelicanconf.py"), "-o", str(out)],
                           cwd=REPO_ROOT, capture_output=True, text=True, timeout=240)
        if r.returncode:
            raise Failure(f"site build failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        self.log("site built")
        return out

    def nginx(self, output: Path, upstream_port: int) -> int:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise Failure("nginx not found: apt-get install nginx-light")
        prefix = self.tmp / "nginx"
        (prefix / "portal").mkdir(parents=True)
        for conf in (REPO_ROOT / "deploy" / "nginx").glob("*.conf"):
            if conf.name != "portal.conf":  # the include files, as /etc/nginx/portal/ holds them
                shutil.copy(conf, prefix / "portal" / conf.name)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / d).mkdir()
            os.chmod(prefix / d, 0o777)
        port = self.port()
        mime = "/etc/nginx/mime.types"
        conf = f"""
daemon off;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    {'include ' + mime + ';' if os.path.exists(mime) else ''}
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include portal/portal-zones.conf;
    upstream formsvc {{ server 127.0.0.1:{upstream_port}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {output};
        include portal/security-headers.conf;
        include portal/portal-locations.conf;
    }}
}}
"""
        (prefix / "nginx.conf").write_text(conf, encoding="utf-8")
        test = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                              capture_output=True, text=True)
        if test.returncode:
            raise Failure(f"nginx -t failed:\n{test.stderr}")
        proc = self.spawn("nginx", [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")])
        wait_port(port, 20, "nginx", proc)
        self.log(f"nginx on 127.0.0.1:{port}")
        return port


# ---- checks -------------------------------------------------------------------------------------


def check_static(port: int, log: Callable[[str], None]) -> None:
    status, headers, body = request(port, "GET", "/")
    if status != 200 or "示范县人民政府".encode() not in body:
        raise Failure(f"GET / → {status}")
    missing = [h for h in SECURITY_HEADERS if h.lower() not in headers]
    if missing:
        raise Failure(f"GET / lacks security headers {missing}")
    if "max-age" not in headers.get("cache-control", ""):
        raise Failure(f"GET / Cache-Control is {headers.get('cache-control')!r}")
    status, headers, _ = request(port, "GET", "/theme/css/site.css")
    if status != 200 or "86400" not in headers.get("cache-control", "") or \
            "x-content-type-options" not in headers:
        raise Failure(f"/theme/css/site.css → {status} {headers.get('cache-control')}")
    status, headers, body = request(port, "GET", "/no-such-page.html")
    if status != 404 or "<h1" not in body.decode("utf-8", "replace"):
        raise Failure(f"unknown path → {status}, not the 404 page")
    status, headers, body = request(port, "GET", "/api/v1/kinds")
    if status != 200 or "content-security-policy" not in headers:
        raise Failure(f"proxied /api/v1/kinds → {status} {sorted(headers)}")
    log("static pages, headers, 404 and the proxy: ok")


def check_build_files_hidden(port: int, output: Path, log: Callable[[str], None]) -> None:
    """The build's own files under output/ (the search index, the cluster's manifests, logs and
    caches) are on disk for formsvc and the runner, never pages a browser may fetch."""
    def files(paths: Any) -> list[Path]:  # dotfiles have their own rule (403)
        return [p for p in sorted(paths) if p.is_file() and not p.name.startswith(".")][:1]

    own = files((output / "_search").rglob("*")) + files((output / "_cluster").rglob("*"))
    own += files(output.glob("*/_cluster/*"))
    if not own:
        raise Failure("the build wrote no _search/ or _cluster/ file to try")
    for path in own:
        url = "/" + path.relative_to(output).as_posix()
        status, _headers, body = request(port, "GET", url)
        if status != 404 or "<h1" not in body.decode("utf-8", "replace"):
            raise Failure(f"{url} → {status}: the build's own files must not be served")
    log(f"the build's own files are not served ({len(own)} tried): ok")


def submission(n: int) -> dict[str, Any]:
    return {"kind": ("zx", "jy", "ts")[n % 3], "name": "张三", "phone": f"138{n:08d}",
            "department": ("rsj", "mzj", "jyj", "wsjkj")[n % 4],
            "subject": f"栈测试留言 {n}", "content": f"请问社保卡补办需要带哪些材料？栈测试编号 {n}。"}


def check_load(port: int, database_url: str, addresses: int, per_address: int,
               log: Callable[[str], None]) -> None:
    """Concurrent submissions from many addresses, each under its limit: all stored."""
    jobs = [(a, i) for a in range(addresses) for i in range(per_address)]
    accepted: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def one(job: tuple[int, int]) -> None:
        a, i = job
        source = f"127.0.{1 + a // 250}.{1 + a % 250}"
        status, _, body = request(port, "POST", "/api/v1/messages",
                                  submission(a * 1000 + i), source=source)
        with lock:
            if status == 201:
                accepted.append(json.loads(body)["tracking_number"])
            else:
                failures.append(f"{source}: {status} {body[:200]!r}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, jobs))
    seconds = time.monotonic() - started
    if failures:
        raise Failure(f"{len(failures)} of {len(jobs)} submissions failed: {failures[:3]}")
    stored = stored_numbers(database_url)
    lost = set(accepted) - stored
    if lost:
        raise Failure(f"{len(lost)} accepted submissions are not in PostgreSQL: {sorted(lost)[:3]}")
    log(f"load: {len(accepted)} submissions from {addresses} addresses in {seconds:.1f} s "
        f"({len(accepted) / seconds:.0f}/s through nginx), all {len(accepted)} in PostgreSQL")


def check_rate_limit(port: int, database_url: str, log: Callable[[str], None]) -> None:
    """One address, three times its limit, spread over every worker: exactly the limit passes."""
    source = "127.0.250.250"
    tries = 3 * LIMIT_PER_MINUTE
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(
            lambda i: request(port, "POST", "/api/v1/messages", submission(900000 + i),
                              source=source), range(tries)))
    codes = [s for s, _, _ in results]
    ok, limited = codes.count(201), codes.count(429)
    if ok != LIMIT_PER_MINUTE or limited != tries - LIMIT_PER_MINUTE:
        raise Failure(f"rate limit across {WORKERS} workers: {ok} accepted, {limited} limited, "
                      f"others {[c for c in codes if c not in (201, 429)]}; expected "
                      f"{LIMIT_PER_MINUTE} and {tries - LIMIT_PER_MINUTE}")
    body = next(b for s, _, b in results if s == 429)
    if "code" not in json.loads(body):
        raise Failure(f"429 answer is not the JSON error: {body[:200]!r}")
    accepted = {json.loads(b)["tracking_number"] for s, _, b in results if s == 201}
    if accepted - stored_numbers(database_url):
        raise Failure("accepted submissions under the limit are missing from PostgreSQL")
    log(f"rate limit: {ok} accepted and {limited} refused (429) from one address across "
        f"{WORKERS} workers")


def check_address_cap(port: int, log: Callable[[str], None]) -> None:
    """A flood from one address meets nginx's cap: 429 with formsvc's wording, others unaffected."""
    tries = 3 * NGINX_BURST
    for source, path, kind in (("127.0.251.1", "/api/v1/kinds", "application/json"),
                               ("127.0.251.2", "/hdjl/track", "text/html")):
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(
                lambda _, p=path, src=source: request(port, "GET", p, source=src), range(tries)))
        codes = [s for s, _, _ in results]
        if codes.count(429) == 0 or set(codes) - {200, 429} or codes.count(200) < NGINX_BURST:
            raise Failure(f"nginx cap on {path}: {codes.count(200)} answered, "
                          f"{codes.count(429)} limited, others {set(codes) - {200, 429}}")
        _, headers, body = next(r for r in results if r[0] == 429)
        missing = [h for h in SECURITY_HEADERS if h.lower() not in headers]
        if missing or not headers.get("retry-after") or \
                not headers.get("content-type", "").startswith(kind):
            raise Failure(f"nginx 429 on {path}: headers {headers}")
        text = body.decode("utf-8")
        if (kind == "application/json" and json.loads(text).get("code") != "rate_limited") or \
                "操作过于频繁" not in text:
            raise Failure(f"nginx 429 on {path} is not formsvc's answer: {text[:200]!r}")
        log(f"nginx cap: {path} from one address, {tries} at once: {codes.count(200)} answered, "
            f"{codes.count(429)} refused (429, {kind})")
    status, _, _ = request(port, "GET", "/api/v1/kinds", source="127.0.251.3")
    if status != 200:
        raise Failure(f"another address was refused too: {status}")


def stored_numbers(database_url: str) -> set[str]:
    import psycopg

    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT tracking_number FROM message")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/stack-test", description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=int, default=280, help="whole run, seconds")
    parser.add_argument("--addresses", type=int, default=40, help="client addresses of the load")
    parser.add_argument("--per-address", type=int, default=LIMIT_PER_MINUTE - 2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def log(msg: str) -> None:
        print(f"[stack-test {time.monotonic() - started:5.1f}s] {msg}", flush=True)

    def on_alarm(signum: int, frame: Any) -> None:
        raise Failure(f"timed out after {args.timeout} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(Failure("terminated")))
    signal.alarm(args.timeout)
    tmp = Path(tempfile.mkdtemp(prefix="portal-stack-"))
    stack = Stack(tmp, log)
    ok = False
    try:
        database_url = stack.postgres()
        redis_url = stack.redis()
        upstream = stack.formsvc(database_url, redis_url)
        output = stack.site()
        port = stack.nginx(output, upstream)
        check_static(port, log)
        check_build_files_hidden(port, output, log)
        check_load(port, database_url, args.addresses, args.per_address, log)
        check_rate_limit(port, database_url, log)
        check_address_cap(port, log)
        ok = True
    except Failure as exc:
        log(f"FAILED: {exc}")
    except subprocess.CalledProcessError as exc:
        log(f"FAILED: {exc.cmd} → {exc.returncode}\n{(exc.stderr or b'')[-2000:]!r}")
    finally:
        signal.alarm(0)
        stack.close()
        if args.keep or not ok:
            log(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log("passed" if ok else "failed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
