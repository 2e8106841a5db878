"""Build the cluster: every sub-site in parallel, the county, the cluster-wide lists, each as soon
as what it depends on is known.

One process per site (Pelican, with its settings from ``portal.cluster.settings``), as many
sub-sites at a time as there are cores, each forked by one server that imported Pelican and the
plugins once (``portal.cluster.forkserver``). A site whose fingerprint
(``portal.cluster.fingerprint``) did not change since its last good build is skipped.

What depends on what: the county's catalogue lists its sub-sites' documents (their manifests
are part of its fingerprint), and the cluster-wide lists are made of every site's manifest. A
build tells the runner when its manifest is final (``portal.cluster.progress``: once its documents
are read and checked, before its pages are written); so the county is planned once every
sub-site's manifest is final (told, or its build ended, or it was skipped), while the sub-sites
still write their pages, and the lists are made (``lists.stage``) in a thread of the runner once
the county's is final too, while the county still renders. The county's incremental build is
started *held* with the sub-sites' (``Hold``): it reads its own documents meanwhile and is told to
go on, or to stop unwritten, once it is planned. They are put in place when
every build has ended well (as before: a run with a failed build leaves the lists as they were).

A broken site.yml stops everything at once with its line and a Chinese message; a site that fails
is reported with its build's output, the others are still built, and the run ends with exit
status 1. A sub-site that fails after its manifest was told leaves that manifest (its documents as
read and checked) and the county lists them; it has no fingerprint, so the next run builds it
again and what depends on its manifest follows as after any build. Ctrl-C or SIGTERM ends every
build under way, the county's too, and puts no list in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal import sites as cluster_sites
from portal.cluster import (
    crosslinks,
    fingerprint,
    incremental,
    leftovers,
    lists,
    manifest,
    progress,
)
from portal.cluster import settings as cluster_settings
from sitesearch.fields import DEFAULT_SITE

LOG_DIR = "_cluster/logs"
MANIFEST_DIGESTS = f"{fingerprint.STORE}/manifests.json"  # manifest.Digests between runs
LISTS_NICENESS = 10  # the thread making the cluster-wide lists (_Lists)


@dataclass
class Result:
    """One site's turn: built, skipped or failed, with its times."""

    site: str
    status: str  # "built", "skipped", "failed"
    wall: float = 0.0
    cpu: float = 0.0
    log: str = ""
    mode: str = ""  # a build's: "full" or "incremental" (only the documents that changed)


@dataclass
class Plan:
    """A site to build: its settings, the fingerprints to store after a good build, its cache."""

    site: str
    overrides: dict[str, Any]
    fingerprint: str
    base: str
    cache: Path
    partial: bool  # incremental: only its documents (or the county's manifests) changed
    names: set[str] = field(default_factory=set)  # its files, kept after a good build (crosslinks)
    listed: str = ""  # a sub-site's documents of the type the county lists (fingerprint.listed)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class Builds:
    """The site builds of one run, forked by ``portal.cluster.forkserver`` (started here).

    Thread-safe: each worker thread of the run calls :meth:`run` and waits for its own build.
    """

    def __init__(self, publish: bool = False, fresh: bool = False) -> None:
        self.publish = publish
        self.fresh = fresh  # each build in a new interpreter, as before the server (comparisons)
        self.proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._turns: dict[int, _Turn] = {}
        self._next = 0
        self._closed = False
        self.server_cpu = 0.0  # the server's own CPU seconds, known once it has ended
        self._reader = threading.Thread(target=self._read, name="forkserver-answers", daemon=True)

    def start(self) -> subprocess.Popen[bytes] | None:
        """The server, started at the first build unless the run started it before (``Cluster.build``:
        while it plans); None once the run is closed."""
        if self.proc is None and not self._closed:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "portal.cluster.forkserver",
                 str(cluster_settings.config_file(self.publish))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cluster_sites.REPO_ROOT)
            self._reader.start()
        return self.proc

    def run(self, args: list[str], log_path: Path, told: Callable[[str], None] | None = None,
            hold: Hold | None = None) -> tuple[int, float, float]:
        """One site's build (Pelican's arguments); (exit status, wall seconds, CPU seconds).
        ``told`` is called with each word the build tells while it runs (``portal.cluster.progress``),
        in the thread that reads the server's answers: it must be quick; what it raises is
        raised here once the build has ended. With ``hold`` the build is started held: it goes
        on, or ends, when the run decides (``Hold.decide``)."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_bytes(b"")
        start = time.perf_counter()
        turn = _Turn(told=told)
        with self._lock:
            proc = self.start()
            self._next += 1
            self._turns[self._next] = turn
            request = {"id": self._next, "argv": args, "log": str(log_path), "fresh": self.fresh,
                       "held": hold is not None}
            request_id = self._next
            try:
                if proc is None or self._closed:
                    raise BrokenPipeError
                assert proc.stdin is not None
                proc.stdin.write(json.dumps(request, ensure_ascii=False).encode() + b"\n")
                proc.stdin.flush()
            except OSError:  # the server is gone; its end is reported below
                self._turns.pop(self._next)
                turn.done.set()
                hold = None
        if hold is not None:  # (outside the lock: the word may be sent at once)
            hold.attach(lambda word: self._send({"id": request_id, "word": word}))
        turn.done.wait()
        if turn.error is not None:
            raise turn.error
        if turn.status is None:
            reason = ("生成已停止" if proc is None or self._closed
                      else f"生成进程意外退出（退出码 {_exit_status(proc)}）")
            with log_path.open("a", encoding="utf-8") as log:
                log.write(f"{reason}，网站未生成\n")
            return 1, time.perf_counter() - start, 0.0
        return turn.status, time.perf_counter() - start, turn.cpu

    def _send(self, message: dict[str, Any]) -> None:
        """A line to the server (the run's word to a held build); none once it is gone."""
        with self._lock:
            if self.proc is None or self.proc.stdin is None or self._closed:
                return
            with contextlib.suppress(OSError, ValueError):
                self.proc.stdin.write(json.dumps(message).encode() + b"\n")
                self.proc.stdin.flush()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            answer = json.loads(line)
            if "server_cpu" in answer:
                self.server_cpu = answer["server_cpu"]
                continue
            with self._lock:
                turn = self._turns[answer["id"]]
                if "pid" in answer:
                    turn.pid = answer["pid"]
                    continue
                if "status" in answer:
                    del self._turns[answer["id"]]
            if "event" in answer:
                if turn.told is not None and turn.error is None:
                    try:
                        turn.told(answer["event"])
                    except Exception as exc:  # noqa: BLE001  (the build's thread raises it)
                        turn.error = exc
                continue
            turn.status, turn.cpu = answer["status"], answer["cpu"]
            turn.done.set()
        with self._lock:  # the server ended: no answer will come for what is left
            turns, self._turns = list(self._turns.values()), {}
        for turn in turns:
            turn.done.set()

    def stop(self) -> None:
        """End every site build under way (SIGTERM: each ends as an interrupted Pelican build does,
        without publishing its search index)."""
        with self._lock:
            pids = [t.pid for t in self._turns.values() if t.pid is not None]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def close(self) -> None:
        """No more builds: the server ends (with every build it still runs); started early for a
        run that then built nothing, it is ended where its imports are (its CPU still counted)."""
        with self._lock:
            self._closed = True  # a build asked after this fails: the run is over (interrupted)
            proc, idle = self.proc, self._next == 0
        if proc is None:
            return
        assert proc.stdin is not None and proc.stdout is not None
        with contextlib.suppress(OSError):
            proc.stdin.close()
        if idle:  # no answer will tell its CPU: what the runner's waited-for children cost meanwhile
            before = children_cpu()
            proc.terminate()
            proc.wait()
            self.server_cpu = children_cpu() - before
        proc.wait()
        self._reader.join()
        proc.stdout.close()


def _exit_status(proc: subprocess.Popen[bytes]) -> int | None:
    """The server's exit status once it has closed its answers (it is ending), None if it hangs."""
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return None


class Hold:
    """A build started before the run knows whether it is needed: the county's, while its
    sub-sites' manifests (part of its fingerprint) may still change. It reads its documents and
    caches meanwhile (on the core the sub-sites' builds leave idle), then waits before its first
    write (``portal.cluster.progress``) for the run's word: go on with the plan made once the
    manifests were final, or stop (nothing written, the site as it was)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._word: str | None = None
        self._send: Callable[[str], None] | None = None
        self.plan: Plan | None = None  # the final plan, once told to go
        self.instead: Plan | None = None  # stopped for a build of another kind (a full one)

    def decide(self, plan: Plan | None, instead: Plan | None = None) -> None:
        """Go on as ``plan`` (its fingerprint is stored after a good build), or stop (None),
        with ``instead`` to be built once the held build has ended."""
        with self._lock:
            self.plan, self.instead = plan, instead
            self._word = progress.GO if plan is not None else progress.STOP
            send = self._send
        if send is not None:
            send(self._word)

    def attach(self, send: Callable[[str], None]) -> None:
        """The build is started: how to send it the word (at once when already decided)."""
        with self._lock:
            self._send, word = send, self._word
        if word is not None:
            send(word)

    @property
    def stopped(self) -> bool:
        return self._word == progress.STOP


@dataclass
class _Turn:
    """One build asked of the server: its pid once started, what it tells, its status and CPU once
    ended."""

    pid: int | None = None
    status: int | None = None
    cpu: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)
    told: Callable[[str], None] | None = None  # what to call with each word the build tells
    error: Exception | None = None  # what that raised


class Cluster:
    """The sites of a repository and where they are written."""

    def __init__(self, output_root: Path, *, publish: bool = False, repo: Path | None = None) -> None:
        self.output_root = Path(output_root).resolve()
        self.publish = publish
        self.repo = repo
        self.sites = cluster_sites.load_all(repo)  # SiteError: a broken site.yml
        self.server_cpu = 0.0  # the fork server's own CPU in the last build()
        self.base = cluster_settings.base_settings(publish)
        self.digests = manifest.Digests(self.output_root / MANIFEST_DIGESTS)
        # told each step of a run as it happens ("planned", "start s001", "end s001", "lists"…):
        # where an edit's seconds go (harness.edit_timeline); nothing by default
        self.trace: Callable[[str], None] = _untraced

    @property
    def ids(self) -> list[str]:
        return [DEFAULT_SITE, *(s.id for s in self.sites)]

    def overrides(self, site_id: str) -> dict[str, Any]:
        if site_id == DEFAULT_SITE:
            return cluster_settings.county_overrides(self.sites, self.output_root, publish=self.publish,
                                                     base=self.base, repo=self.repo)
        site = next(s for s in self.sites if s.id == site_id)
        return cluster_settings.subsite_overrides(site, self.sites, self.output_root,
                                                  publish=self.publish, base=self.base)

    def fingerprint(self, site_id: str, overrides: dict[str, Any], manifests: bool = True) -> tuple[str, str]:
        """(the site's fingerprint, its base: the same without its documents and manifests;
        ``manifests=False``: the county's base alone, its sub-sites' manifests not read)."""
        content = Path(overrides["PATH"])
        if site_id == DEFAULT_SITE:
            paths = [Path(m) for m in overrides["CLUSTER"]["manifests"]] if manifests else []
            return fingerprint.compute_parts([content], overrides, paths, content, self.digests)
        site = next(s for s in self.sites if s.id == site_id)
        return fingerprint.compute_parts([site.root], overrides, content_dir=content)

    def plan(self, site_id: str, force: bool = False) -> Plan | None:
        """What building this site needs, or None when nothing it depends on changed."""
        overrides = self.overrides(site_id)
        fp, base = self.fingerprint(site_id, overrides)
        out = cluster_settings.site_output(self.output_root, site_id)
        if not force and fingerprint.unchanged(self.output_root, site_id, fp, out):
            return None
        if site_id == DEFAULT_SITE:  # the manifests' identities, for the county's build to read
            self.digests.save()
        cache = incremental.cache_dir(self.output_root, site_id)
        partial = self._partial(site_id, base, cache, force)
        # (a sub-site's, 12 ms at 1,000 documents: kept with its fingerprints for the next run)
        listed = fingerprint.listed(Path(overrides["PATH"])) if site_id != DEFAULT_SITE else ""
        return Plan(site_id, overrides, fp, base, cache, partial, crosslinks.names(Path(overrides["PATH"])), listed)

    def may_change_county(self, plan: Plan) -> bool:
        """Whether a sub-site's build may change what the county lists of it: a full build, or
        documents of the listed type added, removed or edited (``fingerprint.listed``)."""
        return not plan.partial or plan.listed != fingerprint.stored_listed(self.output_root, plan.site)

    def _partial(self, site_id: str, base: str, cache: Path, force: bool) -> bool:
        """Whether the site's build may be incremental: only its documents (or manifests) changed."""
        return (not force and fingerprint.stored_base(self.output_root, site_id) == base
                and incremental.usable(cache)
                and (cluster_settings.site_output(self.output_root, site_id) / "index.html").is_file())

    def held_plan(self, force: bool = False) -> Plan | None:
        """The county's plan before its sub-sites' manifests are final, for a build started held
        (``Hold``): only when it would be an incremental one (its base unchanged); its fingerprint
        is known once the manifests are (``decide``)."""
        if force:
            return None
        overrides = self.overrides(DEFAULT_SITE)
        _fp, base = self.fingerprint(DEFAULT_SITE, overrides, manifests=False)
        cache = incremental.cache_dir(self.output_root, DEFAULT_SITE)
        if not self._partial(DEFAULT_SITE, base, cache, force):
            return None
        # no file names: the plan it is told to go on with has them (``decide``), a stopped one stores none
        return Plan(DEFAULT_SITE, overrides, "", base, cache, True)

    def decide(self, hold: Hold, held: Plan, force: bool = False) -> None:
        """The word to the county's held build, once its sub-sites' manifests are final: go on
        when it is to be built as it was started (incrementally, the same base), stop when it is
        not to be built, or stop and build it anew (its base changed meanwhile)."""
        plan = self.plan(DEFAULT_SITE, force)  # reads the manifests: final now
        self.trace("planned county")
        if plan is not None and plan.partial and plan.base == held.base:
            fingerprint.forget(self.output_root, DEFAULT_SITE)  # what it writes from now is unfinished
            hold.decide(plan)
            self.trace("go county")
        else:
            hold.decide(None, instead=plan)
            self.trace("stop county")

    def incremental(self, site_id: str, cache: Path, partial: bool) -> dict[str, Any]:
        """A build's ``INCREMENTAL`` setting (plugins/incremental): its cache, whether it is full,
        and for the county where the manifests' identities are (``manifest.Digests``, saved when
        its plan was made): what it derived from a manifest is kept under the same identity that
        decided whether to build it, and a manifest the runner hashed is not hashed again."""
        conf: dict[str, Any] = {"dir": str(cache), "full": not partial}
        if site_id == DEFAULT_SITE:
            conf["manifests"] = str(self.output_root / MANIFEST_DIGESTS)
        return conf

    def content_dir(self, site_id: str) -> Path:
        if site_id == DEFAULT_SITE:
            return cluster_sites.content_dir(None, repo=self.repo)
        return next(s for s in self.sites if s.id == site_id).content_dir

    def recheck_links(self, plans: dict[str, Plan | None], force: bool = False) -> set[str]:
        """Send every site that links to a file gone from another site to a full build
        (``portal.cluster.crosslinks``); the sites sent, whose plans in ``plans`` are made again."""
        trees = {site_id: self.content_dir(site_id) for site_id in self.ids}
        lost: dict[str, set[str]] = {}
        # a site keeps its files while its fingerprint does: only a site to be built, and the
        # county (planned after its sub-sites, so looked at now), can have lost one
        for site_id in [DEFAULT_SITE, *(i for i, p in plans.items() if p is not None)]:
            before = crosslinks.stored(self.output_root, site_id)
            plan = plans.get(site_id)
            gone = before - (plan.names if plan is not None else crosslinks.names(trees[site_id])) if before else set()
            if gone:
                lost[site_id] = gone
        removed = crosslinks.known_sites(self.output_root) - set(trees)
        linking: set[str] = set()
        unindexed: dict[str, Path] = {}
        # a site that lost a file checks all its documents again (its files changed): its links
        # to itself, and into another site, are checked anyway
        for site_id in (trees if lost or removed else ()):
            if site_id in lost:
                continue
            linked = crosslinks.links(self.output_root, site_id)
            if linked is None:
                unindexed[site_id] = trees[site_id]
            elif crosslinks.breaks(linked, lost, removed):
                linking.add(site_id)
        if unindexed:
            found = crosslinks.needles(name for gone in lost.values() for name in gone)
            found |= {f"/{site_id}/".encode() for site_id in removed}
            linking |= crosslinks.linking(unindexed, found)
        for site_id in linking:
            fingerprint.forget(self.output_root, site_id)
            if site_id in plans:
                plans[site_id] = self.plan(site_id, force)
        for site_id in removed:  # dealt with: the sites linking to it have lost their fingerprints
            crosslinks.forget(self.output_root, site_id)
        return linking

    def build_site(self, site_id: str, force: bool = False, builds: Builds | None = None,
                   plan: Plan | None = None, manifest_final: Callable[[], None] | None = None,
                   hold: Hold | None = None) -> Result:
        """Build one site unless nothing it depends on changed; incrementally when only its
        documents (or, for the county, its sub-sites' manifests) did (``builds``: the run's fork
        server; without one, a server of its own for this build; ``plan``: when already made;
        ``manifest_final``: called when the build tells that its manifest is final, from the
        thread reading the server's answers; ``hold``: the build is started held with ``plan``
        from ``held_plan``, and goes on as the plan it is told, or is skipped)."""
        if builds is None:
            own = Builds(self.publish)
            try:
                return self.build_site(site_id, force, own, plan, manifest_final, hold)
            finally:
                own.close()
        plan = plan or self.plan(site_id, force)
        if plan is None:
            return Result(site_id, "skipped")
        cache, partial = plan.cache, plan.partial
        if hold is None:  # (a held build's is forgotten when it is told to go on)
            fingerprint.forget(self.output_root, site_id)
        crosslinks.before_build(cache)
        if not partial:  # nothing of the last build's reading may be used (its pages: deleted if gone)
            incremental.forget_reading(cache)
        run = {**plan.overrides, "INCREMENTAL": self.incremental(site_id, cache, partial)}
        if partial:  # publishconf empties the output first: the pages kept are the point here
            run["DELETE_OUTPUT_DIRECTORY"] = False
        log_path = self.output_root / LOG_DIR / f"{site_id}.log"
        # a full build leaves what a fresh one would: what it did not write again is deleted after
        # (publishconf empties the output first; an incremental build deletes its own)
        before = None if partial or self.publish else leftovers.note(
            cluster_settings.site_output(self.output_root, site_id),
            leftovers.kept(site_id, (s.id for s in self.sites), self.base), self.base)

        def told(word: str) -> None:
            if word == progress.MANIFEST:
                self.trace(f"manifest {site_id}")
                if manifest_final is not None:
                    manifest_final()

        self.trace(f"start {site_id}")
        code, wall, cpu = builds.run(cluster_settings.pelican_args(run, publish=self.publish), log_path, told, hold)
        self.trace(f"end {site_id}")
        log = log_path.read_text(encoding="utf-8", errors="replace")
        mode = "incremental" if partial else "full"
        if hold is not None and hold.stopped:  # not needed after all: it wrote nothing
            return Result(site_id, "skipped", wall, cpu)
        if hold is not None and hold.plan is not None:
            plan = hold.plan
        if code != 0:
            return Result(site_id, "failed", wall, cpu, log, mode)
        if before is not None:
            leftovers.prune(before)
        # before the fingerprint: a site kept unbuilt always has the index of its last build
        crosslinks.keep_links(self.output_root, site_id, cache)
        fingerprint.store(self.output_root, site_id, plan.fingerprint, plan.base, plan.listed)
        crosslinks.store(self.output_root, site_id, plan.names)
        return Result(site_id, "built", wall, cpu, log, mode)

    def build(self, only: str | None = None, workers: int | None = None, force: bool = False,
              fresh: bool = False) -> list[Result]:
        """Build the cluster (or one site) and the cluster-wide lists, each as soon as what it
        depends on is final (module docstring; ``fresh``: each site in a new interpreter, as
        before the fork server, for comparisons: such a build tells nothing before its end)."""
        workers = workers or default_workers()
        subsites = [s for s in self.sites if only in (None, s.id)]
        with_county = only in (None, DEFAULT_SITE)
        builds = Builds(self.publish, fresh)
        # the server's imports (≈ 0.6 CPU-s) on the other core while this one plans (the sites'
        # fingerprints: ≈ 0.34 CPU-s at 100 × 1,000); ended unused when nothing is to be built
        builds.start()
        try:
            plans = {s.id: self.plan(s.id, force) for s in subsites}
            self.trace("planned")
            self.recheck_links(plans, force)
            self.trace("links checked")
        except BaseException:
            builds.close()
            raise
        # largest first, so the last site to finish is a small one (less time with a core idle);
        # only the sites to build are measured: walking every site's files again cost as much as
        # the fingerprints (1 CPU-s at 100 × 1,000)
        queue = sorted((s for s in subsites if plans[s.id] is not None),
                       key=lambda s: fingerprint.tree_bytes(s.content_dir), reverse=True)
        done = {s.id: Result(s.id, "skipped") for s in subsites if plans[s.id] is None}
        turns = _Turns([s.id for s in queue])
        pool = ThreadPoolExecutor(max_workers=workers)
        # the county is not one of the --workers: it writes while the last sub-sites write their
        # pages (the longest build, and the last: whatever waits, waits for it)
        county = ThreadPoolExecutor(max_workers=1)
        made: _Lists | None = None
        # The county's incremental build starts held with its sub-sites': its reading of its own
        # documents (≈ 0.45 s at 1,000) and of what it kept of their manifests (up to 0.47 CPU-s
        # at 100 × 1,000, as long as it waits) is then off the path of an edit, a sub-site's
        # build then the county's writing. Only when a sub-site's build may change what the
        # county lists (an edit of a news item cannot); not needed after all (no manifest's
        # listed entries changed: a body edit), it is stopped.
        held = (self.held_plan(force) if with_county and not fresh
                and any(self.may_change_county(plans[s.id]) for s in queue) else None)
        hold = Hold() if held is not None else None
        try:
            for s in queue:
                pool.submit(self._take_turn, turns, s.id, force, builds, plans[s.id])
            if hold is not None:
                turns.expect(DEFAULT_SITE)
                county.submit(self._take_turn, turns, DEFAULT_SITE, force, builds, held, hold)
            if with_county:
                turns.wait_manifests([s.id for s in queue])
                if held is not None and hold is not None:
                    self.decide(hold, held, force)
                else:
                    plan = self.plan(DEFAULT_SITE, force)  # reads the manifests: final now
                    self.trace("planned county")
                    if plan is None:
                        done[DEFAULT_SITE] = Result(DEFAULT_SITE, "skipped")
                    else:
                        turns.expect(DEFAULT_SITE)
                        county.submit(self._take_turn, turns, DEFAULT_SITE, force, builds, plan)
            turns.wait_manifests()
            if not turns.failed():  # as before: a run with a failed build writes no list
                made = _Lists(self)
                made.start()
            turns.wait_ended()
            pool.shutdown()
            county.shutdown()
            done.update(turns.results)
            results = [done[s.id] for s in subsites] + ([done[DEFAULT_SITE]] if with_county else [])
            builds.close()  # while the lists may still be made
            self.server_cpu = builds.server_cpu
            self.trace("server closed")
            if made is not None:
                # lists made of the same manifests are left as they are (they name when they were made)
                if any(r.status == "failed" for r in results):
                    made.discard()
                else:
                    made.put_in_place()
                    self.trace("lists")
        except BaseException:  # Ctrl-C or SIGTERM: end the builds under way, start no other
            # (until the lists are in place: an interrupted run leaves them as they were)
            pool.shutdown(wait=False, cancel_futures=True)
            county.shutdown(wait=False, cancel_futures=True)
            builds.stop()
            builds.close()
            if made is not None:
                made.discard()
            raise
        self.digests.save()
        return results

    def _take_turn(self, turns: _Turns, site_id: str, force: bool, builds: Builds, plan: Plan,
                   hold: Hold | None = None) -> None:
        """One site's build in a worker thread of the run, its end told to ``turns`` (a held one
        stopped for a build of another kind: that build's end)."""
        def final() -> None:
            turns.final(site_id)

        try:
            result = self.build_site(site_id, force, builds, plan, final, hold)
            if hold is not None and hold.instead is not None:
                result = self.build_site(site_id, force, builds, hold.instead, final)
        except BaseException as exc:  # noqa: BLE001  (raised in the run's thread)
            turns.ended(site_id, error=exc)
        else:
            turns.ended(site_id, result)


class _Turns:
    """Where the builds of a run are: which sites' manifests may still change, which builds have
    not ended, their results. Told by the builds' threads (and the one reading the server's
    answers); waited on by the run's thread, which is raised what a build's thread raised."""

    def __init__(self, site_ids: list[str]) -> None:
        self._changed = threading.Condition()
        self._unsure = set(site_ids)  # manifests not final yet
        self._running = set(site_ids)
        self.results: dict[str, Result] = {}
        self._error: BaseException | None = None

    def expect(self, site_id: str) -> None:
        with self._changed:
            self._unsure.add(site_id)
            self._running.add(site_id)

    def final(self, site_id: str) -> None:
        with self._changed:
            self._unsure.discard(site_id)
            self._changed.notify_all()

    def ended(self, site_id: str, result: Result | None = None, error: BaseException | None = None) -> None:
        """A build's end (its manifest is final then, told or not: a build that failed before it
        leaves its last one)."""
        with self._changed:
            self._unsure.discard(site_id)
            self._running.discard(site_id)
            if result is not None:
                self.results[site_id] = result
            if error is not None and self._error is None:
                self._error = error
            self._changed.notify_all()

    def failed(self) -> bool:
        with self._changed:
            return any(r.status == "failed" for r in self.results.values())

    def wait_manifests(self, of: list[str] | None = None) -> None:
        """Until every manifest (or those of the sites ``of``) is final."""
        self._wait(lambda: not (self._unsure if of is None else self._unsure.intersection(of)))

    def wait_ended(self) -> None:
        self._wait(lambda: not self._running)

    def _wait(self, done: Callable[[], bool]) -> None:
        with self._changed:
            while not done() and self._error is None:
                self._changed.wait()
            if self._error is not None:
                raise self._error


class _Lists:
    """The cluster-wide lists made in a thread of the run (``lists.stage``: beside their places)
    while the last builds run; put in place, or thrown away, once every build has ended."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._staged: lists.Staged | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._make, name="cluster-lists", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _make(self) -> None:
        c = self._cluster
        # Made while the county's build writes (what an edit waits for the longest) and a sub-site
        # may still write: at a lower priority (on Linux a thread has its own), the lists take the
        # CPU the builds leave instead of a share of the county's core (≈ 0.4 CPU-s at 100 × 1,000).
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LISTS_NICENESS)
        try:
            self._staged = lists.stage(c.output_root, cluster_settings.cluster_list(c.sites, "", c.base),
                                       str(c.base.get("SITEURL") or f"https://{c.base['SITE_DOMAIN']}"),
                                       str(c.base["SITENAME"]), c.digests)
            c.trace("lists made")
        except BaseException as exc:  # noqa: BLE001  (raised in the run's thread)
            self._error = exc

    def put_in_place(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error  # (the run discards them)
        if self._staged is not None:
            self._staged.commit()

    def discard(self) -> None:
        if self._thread.ident is not None:  # (started)
            self._thread.join()
        if self._staged is not None:
            self._staged.discard()


def _untraced(_step: str) -> None:
    pass


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(results: list[Result], wall: float, stream: Any = sys.stdout, server_cpu: float = 0.0) -> None:
    """One line per site, then the totals (wall and CPU seconds, the fork server's included)."""
    labels = {"built": "已生成", "skipped": "未改动，跳过", "failed": "生成失败"}
    for r in results:
        times = f"（{r.wall:.1f} 秒，CPU {r.cpu:.1f} 秒）" if r.status != "skipped" else ""
        how = "（增量：只处理改动的文档和页面）" if r.status == "built" and r.mode == "incremental" else ""
        print(f"{r.site}: {labels[r.status]}{how}{times}", file=stream)
    cpu = sum(r.cpu for r in results) + server_cpu
    built = sum(r.status == "built" for r in results)
    print(f"网站群：生成 {built} 个网站，跳过 {sum(r.status == 'skipped' for r in results)} 个，"
          f"用时 {wall:.1f} 秒，CPU {cpu:.1f} 秒", file=stream)
