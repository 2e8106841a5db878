"""网上调查 under load (issue 23): answers per second and the results page at 1,000,000 answers.

(a) In one run, on one PostgreSQL database and one server configuration (gunicorn, ``WORKERS``
    sync workers, 127.0.0.1, wrk): ``POST /insert`` of the bare baseline app of
    ``harness.loadtest`` (one durable INSERT) against ``POST /api/v1/surveys/<slug>/answers`` of
    formsvc (JSON checks, rate limits, the answer row, its free-text row and the counters' upsert
    in one transaction), alternating for ``--rounds`` rounds; the ratio is the median of the
    rounds' ratios. Every 2xx answer must be in the database afterwards and the counters must
    add up to the stored answers (0 lost).
(b) ``--answers`` answers (default 1,000,000) are seeded into the closed demo survey by SQL
    (``generate_series``: rows as the service writes them, counters summed from them), then the
    public results page, its JSON and the staff page's counts are requested ``--requests``
    times in this process (Flask test client, no sockets): p50/p95/max.

Usage: ``python -m harness.surveybench --database-url postgresql+psycopg://…`` (PostgreSQL only:
the schema of that database is migrated; use a scratch database). Prints figures, writes JSON
with ``--json``. Needs ``wrk`` and gunicorn (the ``prod`` extra).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.loadtest import WORKERS, Gunicorn, environ, insert_lua, prepare_formsvc, wait_http, wrk

OPEN_SURVEY = "parking-2026"
CLOSED_SURVEY = "school-meals-2026"

# a varied valid answer per request for the open demo survey (content/surveys/parking-2026.yml)
ANSWER_LUA = r"""
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local a = (n % 4) + 1
  local p1 = (n % 6) + 1
  local p2 = ((n + 2) % 6) + 1
  local s = (math.random(0, 4)) + 1
  local body = '{"answers":{"frequency":' .. a .. ',"problems":[' .. p1 .. ',' .. p2 .. '],' ..
    '"satisfaction":' .. s .. ',"advice":"希望增加停车位 ' .. n .. '"}}'
  return wrk.format(nil, "/api/v1/surveys/SLUG/answers", nil, body)
end
"""


def stored(url: str, slug: str) -> tuple[int, int]:
    """(answers stored, answers counted by the counters) in one snapshot."""
    from sqlalchemy import text

    from formsvc.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(text(
                "SELECT (SELECT COUNT(*) FROM survey_response WHERE survey = :s), "
                "(SELECT COALESCE(SUM(n), 0) FROM survey_count WHERE survey = :s "
                "AND question = 0 AND option = 0)"), {"s": slug}).one())  # type: ignore[return-value]
    finally:
        engine.dispose()


def throughput(work: Path, env: dict[str, str], url: str, duration: float, rounds: int) -> dict[str, Any]:
    """(a): answers/s through HTTP against the bare INSERT, alternating, with the loss check."""
    before = stored(url, OPEN_SURVEY)[0]
    runs: list[dict[str, Any]] = []
    with Gunicorn("formsvc.server.wsgi:app", env, work / "formsvc.log") as service, \
            Gunicorn("harness.loadtest:baseline_app()", {**env, "BASELINE_DATABASE_URL": url},
                     work / "baseline.log") as baseline:
        wait_http(service.base + "/api/v1/healthz")
        wait_http(baseline.base + "/hello")
        lua = ANSWER_LUA.replace("SLUG", OPEN_SURVEY)
        warm = wrk(service.base + "/", 2, lua, work, "warm")  # imports, pools, compiled statements
        for i in range(rounds):
            ins = wrk(baseline.base + "/insert", duration, insert_lua("希望增加停车位 "), work, f"insert{i}")
            ans = wrk(service.base + "/", duration, lua, work, f"answer{i}")
            runs.append({"insert": ins, "answer": ans, "ratio": round(ans["rps"] / ins["rps"], 3)})
            print(f"  第 {i + 1} 轮：INSERT {ins['rps']}/s，答卷 {ans['rps']}/s（p99 {ans['p99_ms']} ms），"
                  f"比值 {runs[-1]['ratio']}", flush=True)
    time.sleep(1)
    after, counted = stored(url, OPEN_SURVEY)
    # the warm-up's answers are stored too: every 2xx wrk saw, warm-up included
    ok = sum(r["answer"]["ok"] for r in runs) + warm["ok"]
    return {"workers": WORKERS, "duration_s": duration, "rounds": rounds,
            "insert_rps": [r["insert"]["rps"] for r in runs],
            "answer_rps": [r["answer"]["rps"] for r in runs],
            "answer_p99_ms": [r["answer"]["p99_ms"] for r in runs],
            "ratios": [r["ratio"] for r in runs],
            "ratio_median": statistics.median(r["ratio"] for r in runs),
            # answers in flight when wrk stopped are stored but not counted as 2xx: stored ≥ 2xx
            "answers_2xx": ok, "answers_stored": after - before, "lost": max(0, ok - (after - before)),
            "counters_agree": counted == after,
            "errors": sum(r["answer"]["errors"] + r["answer"]["non2xx"] for r in runs)}


def seed(url: str, n: int) -> float:
    """(b): ``n`` answers to the closed demo survey, as rows and counters; seconds taken."""
    from sqlalchemy import text

    from formsvc.db import make_engine
    from formsvc.domain import surveys as survey_defs
    from formsvc.models.survey import COUNT_SHARDS

    survey = survey_defs.load(Path(__file__).resolve().parents[1] / "content")[CLOSED_SURVEY]
    single = [q for q in survey.questions if q.type in ("single", "scale")]
    multi = [q for q in survey.questions if q.type == "multiple"]
    text_q = next(q for q in survey.questions if q.type == "text")
    parts = [f"'{q.id}', jsonb_build_array(1 + (g * {7 + i}) % {len(q.choices)})"
             for i, q in enumerate(single)]
    parts += [f"'{q.id}', jsonb_build_array(1 + g % {len(q.choices)}, 1 + (g + 1) % {len(q.choices)})"
              for q in multi]
    start = time.perf_counter()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            slug = {"s": CLOSED_SURVEY}
            conn.execute(text("DELETE FROM survey_text WHERE survey = :s"), slug)
            conn.execute(text("DELETE FROM survey_response WHERE survey = :s"), slug)
            conn.execute(text("DELETE FROM survey_count WHERE survey = :s"), slug)
            conn.execute(text(
                "INSERT INTO survey_response (survey, submitted_at, answers, name, phone) "
                "SELECT :s, now() - g * interval '1 second', "
                f"jsonb_build_object({', '.join(parts)}), '家长', '13800000000' "
                "FROM generate_series(1, :n) g"), {**slug, "n": n})
            # every tenth answer wrote a suggestion; 500 of them published
            conn.execute(text(
                "INSERT INTO survey_text (response_id, survey, question, text, published, public_text) "
                "SELECT id, survey, :q, '建议增加体育活动时间 ' || id, id % 2000 = 0, "
                "CASE WHEN id % 2000 = 0 THEN '建议增加体育活动时间 ' || id ELSE '' END "
                "FROM survey_response WHERE survey = :s AND id % 10 = 0"), {**slug, "q": text_q.number})
            conn.execute(text(
                "INSERT INTO survey_count (survey, question, option, shard, n) "
                f"SELECT survey, 0, 0, id % {COUNT_SHARDS}, COUNT(*) FROM survey_response "
                f"WHERE survey = :s GROUP BY survey, id % {COUNT_SHARDS}"), slug)
            for q in single + multi:
                conn.execute(text(
                    "INSERT INTO survey_count (survey, question, option, shard, n) "
                    f"SELECT survey, :q, v::int, id % {COUNT_SHARDS}, COUNT(*) FROM survey_response, "
                    "jsonb_array_elements_text(answers -> :qid) v WHERE survey = :s "
                    f"GROUP BY survey, v::int, id % {COUNT_SHARDS}"), {**slug, "q": q.number, "qid": q.id})
            conn.execute(text("ANALYZE survey_response"))
            conn.execute(text("ANALYZE survey_text"))
            conn.execute(text("ANALYZE survey_count"))
    finally:
        engine.dispose()
    return time.perf_counter() - start


def latency(env: dict[str, str], requests: int) -> dict[str, Any]:
    """(b): p50/p95/max of the results page, its JSON and the staff page's counts, in-process."""
    from formsvc import create_app
    from formsvc.db import new_session
    from formsvc.services import surveys as survey_svc
    from formsvc.web.runtime import surveys

    with environ(env):
        app = create_app()
    client = app.test_client()
    out: dict[str, Any] = {}

    def timed(name: str, call: Any) -> None:
        call()  # warm
        times = []
        for _ in range(requests):
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out[name] = {"p50_ms": round(times[len(times) // 2], 2),
                     "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
                     "max_ms": round(times[-1], 2)}

    def page() -> None:
        r = client.get(f"/hdjl/surveys/{CLOSED_SURVEY}/results")
        assert r.status_code == 200, r.status_code

    def api() -> None:
        r = client.get(f"/api/v1/surveys/{CLOSED_SURVEY}/results")
        assert r.status_code == 200, r.status_code

    timed("results_page", page)
    timed("results_json", api)
    with app.app_context():
        session = new_session()
        survey = surveys()[CLOSED_SURVEY]
        timed("counts_service", lambda: survey_svc.results(session, survey))
        out["total"] = survey_svc.results(session, survey).total
        session.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module's description."""
    parser = argparse.ArgumentParser(prog="python -m harness.surveybench", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL（会迁移其中的表，请用临时库）")
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        print("只支持 PostgreSQL", file=sys.stderr)
        return 2
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="surveybench-") as tmp:
        work = Path(tmp)
        env = prepare_formsvc(work, args.database_url)
        env.update({"FORMSVC_SURVEY_RATE_LIMIT": "100000000 per hour",
                    "FORMSVC_SURVEY_ANSWERS_PER_ADDRESS": "100000000 per day"})
        if not args.skip_throughput:
            print(f"(a) 答卷吞吐：{WORKERS} 个 worker，每轮 {args.duration} 秒，{args.rounds} 轮", flush=True)
            result["throughput"] = t = throughput(work, env, args.database_url, args.duration,
                                                  args.rounds)
            print(f"  中位比值 {t['ratio_median']}（目标 ≥ 0.5），2xx {t['answers_2xx']}，"
                  f"入库 {t['answers_stored']}，丢失 {t['lost']}，计数一致 {t['counters_agree']}", flush=True)
        print(f"(b) 写入 {args.answers:,} 份答卷 …", flush=True)
        result["seed_s"] = round(seed(args.database_url, args.answers), 1)
        result["latency"] = latency(env, args.requests)
        for name, figures in result["latency"].items():
            print(f"  {name}: {figures}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
