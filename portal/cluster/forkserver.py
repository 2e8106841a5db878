"""One process that imports Pelican, Markdown, Jinja2 and the plugins once, then forks each site's build.

A site build started as ``python -m pelican`` paid about half a CPU-second before its first
document (the interpreter and the imports of Pelican, Markdown, Jinja2, the plugins and what they
import: ``portal``, ``sitesearch``, YAML, numpy), and its search index writer, a spawned
interpreter, about 0.3 more: a site of one document cost 1.1 CPU-seconds, a hundred sites a
hundred seconds. The runner starts this server once per run; the server imports all of that
(0.6 CPU-seconds, once), then forks one child per site build (copy-on-write), and the child runs
Pelican's own ``main`` with the arguments the runner would have given the command (a site of one
document: 0.13 CPU-seconds). Before Pelican starts, while the child has one thread, each plugin
module's ``before_build()`` runs: ``searchindex`` forks its index writer there.

The server only *imports* the plugin modules: Pelican connects their signals (``register()``)
inside the child, when its build starts, so no receiver, setting or module state of one site's
build is seen by another (each child starts from the server's untouched memory).

Protocol, one JSON object a line: the runner writes ``{"id": n, "argv": [...], "log": path}``
(Pelican's arguments, the log file for the build's stdout and stderr; ``"fresh": true`` to run
it in a new interpreter instead, for comparisons; ``"held": true`` to start it held: it waits for
the runner's word before it writes, ``portal.cluster.progress``) to the server's stdin, and
``{"id": n, "word": "go"|"stop"}`` for a held build (the server writes it to a pipe of that
build's, then closes it);
the server answers ``{"id": n, "pid": p}`` when the child is started,
``{"id": n, "event": word}`` for each word the build tells its runner while it runs
(``portal.cluster.progress``: ``manifest`` once its manifest is final; each child writes its words
a line to a pipe of its own, which the server reads), and
``{"id": n, "status": code, "cpu": seconds}`` when it has ended (``os.wait4``: the CPU of the
build and of the children it waited for, its search index writer included), after every word it
told (what is in its pipe is answered first). End of the
requests (the runner closed the pipe, or died) ends every build still running (SIGTERM) and the
server, after a last answer ``{"server_cpu": seconds}`` (its own CPU, in no build's figure).
SIGTERM to the server ends its builds too.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import resource
import select
import signal
import sys
import traceback
from pathlib import Path
from typing import IO, Any

from portal.cluster import progress

# the exit status of a child whose build raised past everything
CRASHED = 1
# What a build imports only once it runs (seen in sys.modules after a site's build): the
# checks' report, the search index writer's process machinery, Pelican's spinner, dates; and
# what the index writer (a forked process of its own) imports to update a live index (its
# deletions go through a searcher: 0.01 CPU-s a site).
LATE_IMPORTS = ("portal.report_check", "multiprocessing.connection", "multiprocessing.queues",
                "multiprocessing.spawn", "multiprocessing.synchronize",
                "multiprocessing.popen_spawn_posix", "rich.status", "rich.live", "rich.table",
                "_strptime", "whoosh.searching", "whoosh.query", "whoosh.highlight",
                "whoosh.classify", "whoosh.scoring", "whoosh.lang.morph_en", "encodings.latin_1")
# the plugin modules preloaded; one with a ``before_build()`` has it called in each child first
PLUGINS: list[Any] = []
# unidecode's tables of the CJK block (slugs of Chinese titles), one module per 256 code points
CJK_TABLES = range(0x4E, 0xA0)


def preload(config: Path) -> None:
    """Import what every site build imports: Pelican, Markdown and its extensions, the plugins."""
    import markdown
    import pelican  # noqa: F401  (imported for the children)
    import pelican.generators  # noqa: F401
    import pelican.readers  # noqa: F401
    import pelican.writers  # noqa: F401
    from pelican.plugins._utils import load_legacy_plugin

    from portal.cluster import settings as cluster_settings

    conf = cluster_settings.base_settings(config.name == "publishconf.py")
    md = conf.get("MARKDOWN") or {}
    markdown.Markdown(extensions=list(md.get("extension_configs") or {}),
                      extension_configs=md.get("extension_configs") or {})
    paths = [str(config.parent / p) for p in conf.get("PLUGIN_PATHS") or ()]
    for plugin in conf.get("PLUGINS") or ():
        # the module only: register() runs in the child
        PLUGINS.append(load_legacy_plugin(plugin, paths))
    for name in LATE_IMPORTS:
        importlib.import_module(name)
    for block in CJK_TABLES:
        importlib.import_module(f"unidecode.x{block:03x}")


def _child(argv: list[str], log: str, closing: list[int], fresh: bool = False, events: int | None = None,
           word: int | None = None) -> int:
    """In the forked child: the log as stdout and stderr, Pelican's main, its exit status.

    ``fresh``: run ``python -m pelican`` in a new interpreter instead (how builds started before
    this server: for same-run comparisons, ``harness.cluster_bench --compare-start``; it tells
    nothing before its end: the pipe ``events`` closes at the exec). ``word``: a held build's end
    of the pipe its runner's word comes through.
    """
    signal.set_wakeup_fd(-1)
    # as in a new interpreter: Ctrl-C a KeyboardInterrupt, SIGTERM the end
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    for fd in closing:
        os.close(fd)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if fresh:
        os.execv(sys.executable, [sys.executable, "-m", "pelican", *argv])
    for plugin in PLUGINS:  # what a plugin does while the process still has one thread
        getattr(plugin, "before_build", lambda: None)()
    if events is not None:  # (the index writer forked above holds it too, and never writes)
        progress.attach(events, word)
    from pelican import main

    code: Any = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code
    except BaseException:  # noqa: BLE001  (anything Pelican lets through is this build's failure)
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    # what an interpreter does at exit: the plugins' and multiprocessing's exit hooks (the index
    # writer is joined or ended), then the buffers
    atexit._run_exitfuncs()
    return code


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Fork a build for each request until the requests end; answer with pids and exit statuses."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    # Ctrl-C reaches the whole process group: the runner decides what ends, not the server
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    running: dict[int, int] = {}  # pid → request id
    # the read end of each build's pipe → (request id, pid, what came after its last whole line)
    events: dict[int, tuple[int, int, bytes]] = {}
    pipe_of: dict[int, int] = {}  # pid → the read end of its pipe, while open
    held: dict[int, int] = {}  # request id → the write end of its held build's word's pipe
    buffer = b""
    open_requests = True

    def answer(obj: dict[str, Any]) -> None:
        # the runner gone: nobody reads; its end of the requests follows, which ends the builds
        with contextlib.suppress(OSError, ValueError):
            answers.write(json.dumps(obj).encode() + b"\n")
            answers.flush()

    def interrupted(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    # SIGTERM to the server alone (not to its group): its builds end with it
    signal.signal(signal.SIGTERM, interrupted)

    def relay(fd: int) -> bool:
        """Answer each whole line a build wrote to its pipe; False when nothing more is there now."""
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            return False
        request_id, pid, partial = events[fd]
        if not chunk:  # every writer gone (the build and its index writer)
            close(fd)
            return False
        *lines, partial = (partial + chunk).split(b"\n")
        events[fd] = (request_id, pid, partial)
        for line in lines:
            answer({"id": request_id, "event": line.decode("ascii", "replace")})
        return True

    def close(fd: int) -> None:
        # the number may be a new pipe's soon: forgotten everywhere now
        os.close(fd)
        pipe_of.pop(events.pop(fd)[1], None)

    def send_word(request_id: int, word: str) -> None:
        """The runner's word to a held build (once; one that has ended does not read it)."""
        fd = held.pop(request_id, None)
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.write(fd, word.encode("ascii") + b"\n")
        os.close(fd)

    def reap() -> None:
        while running:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            fd = pipe_of.get(pid)
            if fd is not None:  # what it told before it ended is answered first
                while relay(fd):
                    pass
                if fd in events:
                    close(fd)
            request_id = running.pop(pid)
            if request_id in held:  # ended before its word (failed, or ended from outside)
                os.close(held.pop(request_id))
            answer({"id": request_id, "status": os.waitstatus_to_exitcode(status),
                    "cpu": usage.ru_utime + usage.ru_stime})

    closing = [requests.fileno(), answers.fileno(), wake_r, wake_w]
    try:
        while open_requests or running:
            watched = [requests.fileno(), wake_r] if open_requests else [wake_r]
            ready, _, _ = select.select([*watched, *events], [], [])
            if wake_r in ready:
                os.read(wake_r, 4096)
            reap()
            for fd in ready:
                if fd in events:  # (not closed by reap just now)
                    relay(fd)
            if open_requests and requests.fileno() in ready:
                chunk = os.read(requests.fileno(), 65536)
                if not chunk:  # the runner is gone or done: end what is still running
                    open_requests = False
                    for pid in running:
                        os.kill(pid, signal.SIGTERM)
                    continue
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    request = json.loads(line)
                    if "word" in request:
                        send_word(request["id"], str(request["word"]))
                        continue
                    told, tell = os.pipe()
                    hear, say = os.pipe() if request.get("held") else (None, None)
                    # the child keeps none of the server's ends: a held build hears the end of
                    # its word's pipe when the server is gone, not when its siblings are
                    others = list(held.values())
                    pid = os.fork()
                    if pid == 0:
                        code = CRASHED
                        try:
                            code = _child(request["argv"], request["log"],
                                          [*closing, told, *events, *others, *([say] if say is not None else [])],
                                          bool(request.get("fresh")), tell, hear)
                        finally:
                            os._exit(code)
                    os.close(tell)
                    if hear is not None and say is not None:
                        os.close(hear)
                        held[request["id"]] = say
                    os.set_blocking(told, False)
                    running[pid] = request["id"]
                    events[told] = (request["id"], pid, b"")
                    pipe_of[pid] = told
                    answer({"id": request["id"], "pid": pid})
    except BaseException:  # SIGTERM, or the server's own failure: no build outlives it
        for pid in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        raise
    # the server's own CPU (its imports, forks and waits), which no build's figure includes
    own = resource.getrusage(resource.RUSAGE_SELF)
    answer({"server_cpu": own.ru_utime + own.ru_stime})


def main() -> None:
    """``python -m portal.cluster.forkserver CONFIG``: the protocol on stdin and stdout."""
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    answers = os.fdopen(os.dup(1), "wb")
    # The builds' output goes to their logs; the server's own (an import failing) to the
    # runner's stderr. Pelican's console decides at import whether it writes colours: its stdout
    # must not be the runner's terminal then.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    preload(Path(sys.argv[1]))
    serve(requests, answers)
    # Its last answer is written and nothing of the server's needs an exit hook: ending here spares
    # the interpreter's teardown of everything it imported (0.15–0.35 s the runner waited for, at
    # load 7–9, before it could put the lists in place).
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
