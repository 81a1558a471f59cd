"""The figures as people read them: the table printed after a run and kept in
bench/README.md between its markers, the profile notes printed under it, and results.json."""

from __future__ import annotations

import json
from pathlib import Path

from .data import QUALTRICS_REASONS
from .targets import MEMORY_TARGETS

START, END = "<!-- results:start -->", "<!-- results:end -->"
HEADER = ("figure", "measured", "baseline", "ratio", "target", "status")
Row = tuple[str, str, str, str, str, str]
TARGET_OF_MEMORY = {step: key for key, step in MEMORY_TARGETS.items()}


def _f(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | float) and abs(value) >= 1000:
        return f"{value:,.0f}{unit}"
    return f"{value:.{digits}f}{unit}"


def _status(res: dict, key: str) -> str:
    passed = res["targets"][key]["pass"]
    return "—" if passed is None else ("pass" if passed else "MISS")


def info(figure: str, measured: str = "", baseline: str = "", ratio: str = "") -> Row:
    """A row shown for information: no target."""
    return (figure, measured, baseline, ratio, "", "info")


def checked(res: dict, key: str | None, figure: str, measured: str, baseline="", ratio="") -> Row:
    """A row checked against target `key` (for information when `key` is None)."""
    if key is None:
        return info(figure, measured, baseline, ratio)
    return (figure, measured, baseline, ratio, res["targets"][key]["target"], _status(res, key))


def skipped(figure: str, why: str) -> Row:
    return (figure, f"skipped ({why})", "", "", "", "—")


def _against_pandas(d: dict) -> tuple[str, str, str]:
    """(measured, baseline, ratio) of a warm engine figure beside its pandas baseline."""
    return _f(d["warm_ms"], " ms"), f"pandas {_f(d['baseline_ms'], ' ms')}", _f(d["ratio"], "×")


def scorecard_rows(res: dict) -> list[Row]:
    """Items 1 and 2."""
    o, tm, at = res["scorecard_org"], res["scorecard_team"], res["agent_table"]
    warm = _f(o["warm_ms"], " ms")
    reread = _f(o["baseline_load_s"] * 1000 + o["baseline_ms"], " ms")
    return [
        info(f"1 org scorecard {o['period']}, cold", _f(o["cold_ms"], " ms")),
        info("1 org scorecard, cold in a fresh process", _f(o["cold_ms_fresh_process"], " ms")),
        checked(
            res,
            "scorecard_ratio",
            f"1 org scorecard, warm (median of {res['args']['repeat']})",
            *_against_pandas(o),
        ),
        checked(res, "scorecard_warm_ms", "1 org scorecard, warm time", warm),
        info(
            "1 baseline: load raw tables into pandas (once)",
            _f(o["baseline_load_s"], " s", 2),
            f"{o['baseline_rows_in_memory']:,} rows",
        ),
        info(
            "1 (load + compute) / warm, if pandas re-read per request",
            warm,
            f"pandas {reread}",
            _f(o["ratio_with_load"], "×"),
        ),
        info(f"2 team scorecard {tm['team']}, warm", *_against_pandas(tm)),
        info(f"2 agent table {at['team']} ({at['rows']} rows), warm", *_against_pandas(at)),
    ]


def history_rows(res: dict) -> list[Row]:
    """Item 3."""
    h = res["history"]
    rows = [
        info(
            f"3 scorecard with {s['weeks']} weeks of history, warm",
            _f(s["warm_ms"], " ms"),
            f"{s['interactions']:,} interactions",
        )
        for s in h["stores"]
    ]
    figure = f"3 history max/min ({h['agents']} agents)"
    return [*rows, checked(res, "history_flat", figure, "", "", _f(h["max_min_ratio"], "×", 2))]


# Item 4, load_batch beside each baseline: (target, figure, baseline, its seconds, ratio).
INGEST_BASELINES = (
    (
        "ingest_vs_duckdb",
        "4 ingest {rows:,} survey rows: load_batch (median of {repeat})"
        " vs DuckDB read_csv into a table in a database file",
        "DuckDB file",
        "duckdb_raw_file_s",
        "ratio_ingest_vs_duckdb_file",
    ),
    (
        None,
        "4 ingest vs DuckDB read_csv into an in-memory table (no file, no commit)",
        "DuckDB in memory",
        "duckdb_raw_s",
        "ratio_ingest_vs_duckdb",
    ),
    (
        "pandas_vs_ingest",
        "4 ingest: pandas read_csv + to_sql / load_batch",
        "pandas",
        "pandas_to_sql_s",
        "ratio_pandas_vs_ingest",
    ),
)


def ingest_rows(res: dict) -> list[Row]:
    """Item 4."""
    ing = res["ingest"]
    if ing.get("skipped"):
        return [skipped("4 ingest", "--skip-ingest")]
    load_batch = _f(ing["load_batch_s"], " s", 2)
    return [
        checked(
            res,
            key,
            figure.format(rows=ing["rows"], repeat=ing["repeat"]),
            load_batch,
            f"{name} {_f(ing[seconds], ' s', 2)}",
            _f(ing[ratio], "×"),
        )
        for key, figure, name, seconds, ratio in INGEST_BASELINES
    ]


def qualtrics_rows(res: dict) -> list[Row]:
    """Item 5: the Qualtrics-layout export through load_batch."""
    q = res["qualtrics"]
    if q.get("skipped"):
        return [skipped("5 Qualtrics-layout ingest", "--qualtrics-rows 0")]
    r, kinds = q["load_batch_report"], q["kinds_written"]
    dropped = ", ".join(f"{k} {kinds[k]:,}" for k in QUALTRICS_REASONS)
    canonical, canonical_mb = q["canonical_us_per_row"], q["canonical_csv_mb_per_s"]
    return [
        info(
            f"5 Qualtrics-layout ingest {q['rows']:,} rows, no mapping: load_batch "
            f"(median of {q['repeat']})",
            _f(q["load_batch_s"], " s", 2),
            f"{q['rows_per_s']:,} rows/s",
        ),
        info(
            "5 Qualtrics: loaded / rejected (previews, tests, unfinished)",
            f"{r['loaded']:,} / {r['rejected']:,}",
            dropped,
        ),
        info(
            "5 Qualtrics per row vs canonical ingest per row (item 4)",
            _f(q["us_per_row"], " µs/row", 2),
            "—" if canonical is None else f"canonical {_f(canonical, ' µs/row', 2)}",
            _f(q["ratio_per_row_vs_canonical"], "×", 2),
        ),
        info(
            "5 Qualtrics CSV MB/s vs canonical CSV MB/s (wider rows: more bytes per row)",
            _f(q["csv_mb_per_s"], " MB/s"),
            "—" if canonical_mb is None else f"canonical {_f(canonical_mb, ' MB/s')}",
            _f(q["ratio_per_mb_vs_canonical"], "×", 2),
        ),
    ]


def memory_rows(res: dict) -> list[Row]:
    """Item 6: peak RSS of each step, then the stores' size on disk."""
    rows = [
        checked(
            res,
            TARGET_OF_MEMORY.get(step),
            f"6 peak RSS: {step}",
            _f(m["peak_rss_mb"], " MB"),
            f"base {_f(m['base_rss_mb'], ' MB')}",
        )
        for step, m in res["memory"].items()
    ]
    rows.append(info("6 store on disk", _f(res["store"]["size_mb"], " MB")))
    for name, section in (("ingest", res["ingest"]), ("Qualtrics ingest", res["qualtrics"])):
        if not section.get("skipped"):
            rows.append(
                info(
                    f"6 {name} store on disk (roster + surveys)",
                    _f(section["store_mb"], " MB"),
                    f"CSV {_f(section['csv_mb'], ' MB')}",
                )
            )
    return rows


def render_rows(res: dict) -> list[Row]:
    """Item 7: the all-hands page against the bench store."""
    a, b = res["page_render"]["apptest"], res["page_render"]["browser"]
    rows = [
        checked(
            res,
            "render_first_s",
            "7 all-hands page, first render (AppTest, cold caches, fresh process)",
            _f(a["first_s"], " s", 2),
            f"imports before it {_f(a['imports_s'], ' s', 2)}",
        ),
        info(
            f"7 all-hands page, warm rerun (AppTest, median of {len(a['warm_samples_s'])})",
            _f(a["warm_s"], " s", 2),
        ),
    ]
    if b.get("skipped"):
        return [*rows, skipped("7 all-hands page in Chromium", b["skipped"])]
    f, warm, floor = b["first"], b["warm"], b["streamlit_floor"]
    visits = [f, b["second"], *warm]
    if b.get("private"):
        visits += [b["private"]["second"], *b["private"]["warm"]]
    slowest = max(visits, key=lambda v: v["last_dom_change_s"])

    def parts(visit: dict) -> str:
        return f"h1 {_f(visit['h1_s'], ' s', 2)}, headline {_f(visit['headline_s'], ' s', 2)}"

    rows += [
        checked(
            res,
            "browser_readable_fresh_s",
            "7 all-hands page in Chromium, fresh server, new browser: title, headline and "
            "tiles painted",
            _f(f["readable_s"], " s", 2),
            f"{parts(f)}; {_f(f['downloaded_mb'], ' MB')} downloaded",
        ),
        checked(
            res,
            "browser_readable_warm_s",
            f"7 … warm server, the same browser profile again: the same, median of {len(warm)} "
            "visits",
            _f(b["warm_readable_s"], " s", 2),
            "visits: " + ", ".join(_f(v["readable_s"], " s", 2) for v in warm),
        ),
        info(
            "7 … a one-line Streamlit app (title only), warm visits alike: h1 painted",
            _f(floor["h1_warm_s"], " s", 2),
            "median; visits: " + ", ".join(_f(x, " s", 2) for x in floor["h1_samples_s"]),
        ),
    ]
    private = b.get("private")
    if private:  # results written before the private window was measured have none
        rows += [
            info(
                "7 … the same warm visits in a private window (no cache of compiled script)",
                _f(private["warm_readable_s"], " s", 2),
                "visits: " + ", ".join(_f(v["readable_s"], " s", 2) for v in private["warm"]),
            ),
            info(
                "7 … the one-line app in a private window: h1 painted",
                _f(floor["private_h1_warm_s"], " s", 2),
                "median; visits: "
                + ", ".join(_f(x, " s", 2) for x in floor["private_h1_samples_s"]),
            ),
        ]
    rows += [
        checked(
            res,
            "browser_charts_s",
            f"7 … every chart drawn (last DOM change), slowest of the {len(visits)} visits",
            _f(slowest["last_dom_change_s"], " s", 2),
            "visits: " + ", ".join(_f(v["last_dom_change_s"], " s", 2) for v in visits),
        ),
    ]
    return rows


def shared_rows(res: dict) -> list[Row]:
    """Item 8: PostgreSQL beside DuckDB (docs/shared-store.md)."""
    sh = res.get("shared_store") or {"skipped": "not run"}
    if sh.get("skipped"):
        return [skipped("8 PostgreSQL beside DuckDB", sh["skipped"])]
    warm = sh["scorecard_warm"]
    rows = [
        info(
            "8 demo built on PostgreSQL (in DuckDB, copied by COPY)",
            _f(sh["build_postgres_s"], " s"),
        ),
        info("8 org scorecard warm, DuckDB (same run)", _f(warm["duckdb"]["warm_ms"], " ms")),
        checked(
            res,
            "pg_scorecard_warm_ms",
            "8 org scorecard warm, PostgreSQL",
            _f(warm["postgresql"]["warm_ms"], " ms"),
            f"same scorecard on both: {'yes' if sh['scorecard_same_on_both'] else 'no'}",
        ),
    ]
    ing = sh.get("ingest_postgres")
    if ing:
        copies = ing.get("postgres_copy_samples_s")  # one COPY in results before these
        copy_samples = f" (median of {', '.join(_f(c, ' s', 2) for c in copies)})" if copies else ""
        rows.append(
            checked(
                res,
                "pg_ingest_vs_copy",
                f"8 ingest {ing['rows']:,} survey rows, PostgreSQL",
                _f(ing["load_batch_s"], " s", 2),
                f"its COPY {_f(ing['postgres_copy_s'], ' s', 2)}{copy_samples}",
                _f(ing["ratio_vs_copy"], "×", 2),
            )
        )
        writes = ing.get("server_writes_s")
        if writes:  # results written before this figure have none
            rows.append(
                info(
                    "8 … the server alone writing the rows that load wrote (INSERT … SELECT "
                    "into tables like its own, with their indexes)",
                    _f(sum(writes.values()), " s", 2),
                    ", ".join(f"{table} {_f(s, ' s', 2)}" for table, s in writes.items()),
                    _f(ing["server_writes_vs_copy"], "×", 2),
                )
            )
        cpu = ing.get("cpu_s")
        if cpu:  # results written before this figure have none
            rows.append(
                info(
                    f"8 … the CPU that load used, client + server (÷ {cpu['cores']} cores: the "
                    "least time it could take, every core busy all along)",
                    _f(cpu["load_client"] + cpu["load_server"], " s", 2),
                    f"client {_f(cpu['load_client'], ' s', 2)}, server "
                    f"{_f(cpu['load_server'], ' s', 2)}; the COPY's server "
                    f"{_f(cpu['copy_server'], ' s', 2)}",
                    _f(ing["cpu_bound_vs_copy"], "×", 2),
                )
            )
    for name, key in (("DuckDB", "duckdb"), ("PostgreSQL", "postgresql")):
        load = sh["under_load"][key]
        target = "duckdb_p95_under_load_ms" if key == "duckdb" else "pg_p95_under_load_ms"
        rows.append(
            checked(
                res,
                target,
                f"8 {load['readers']} readers while {load['rows']:,} rows load, {name}: p95",
                _f(load["p95_ms"], " ms"),
                f"p50 {_f(load['p50_ms'], ' ms')}, max {_f(load['max_ms'], ' ms')}; "
                f"{load['requests']} requests, ingest {_f(load['ingest_s'], ' s')}",
            )
        )
    errors = sum(side["errors"] for side in sh["under_load"].values())
    rows.append(checked(res, "errors_under_load", "8 errors under load (both stores)", str(errors)))
    rss = sh["peak_rss_mb"]
    parts = [
        f"ingest command {_f(rss['ingest_command_duckdb'], ' MB')} (DuckDB), "
        f"{_f(rss['ingest_command_postgresql'], ' MB')} (PostgreSQL)",
        f"readers grew {_f(rss['readers_growth_duckdb'], ' MB')} (DuckDB), "
        f"{_f(rss['readers_growth_postgresql'], ' MB')} (PostgreSQL)",
    ]
    if "load_batch_postgresql" in rss:
        parts.append(f"load_batch on PostgreSQL {_f(rss['load_batch_postgresql'], ' MB')}")
    rows.append(
        checked(
            res,
            "rss_shared_mb",
            "8 peak RSS of the shared store's processes (largest)",
            _f(rss["largest"], " MB"),
            "; ".join(parts),
        )
    )
    return rows


def table_rows(res: dict) -> list[Row]:
    """(figure, measured, baseline, ratio, target, status) rows for stdout and the README."""
    sections = (scorecard_rows, history_rows, ingest_rows, qualtrics_rows, memory_rows)
    return [row for section in (*sections, render_rows, shared_rows) for row in section(res)]


def headline(res: dict) -> str:
    a, s, m = res["args"], res["store"], res["machine"]
    return (
        f"cxmetrics scale benchmark — {a['agents']} agents × {a['weeks']} weeks "
        f"(seed {a['seed']}, last week {res['period']}); {m['cpu_count']} CPUs, "
        f"{m['ram_gb']} GB RAM, Python {m['python']}, DuckDB {m['duckdb']}; {res['date']}; "
        f"load average {m['load_average_at_start'][0]} at start, "
        f"{m['load_average_at_end'][0]} at end\n"
        f"store: {s['interactions']:,} interactions, {s['responses']:,} survey responses, "
        f"{s['adherence_rows']:,} adherence rows, {s['teams']} team"
        f"{'s' * (s['teams'] != 1)}; built in {s['seconds']:.1f} s"
    )


def text_table(res: dict) -> str:
    rows = [HEADER, *table_rows(res)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(res: dict) -> str:
    """The README block: the command, the headline, the table, the targets missed."""
    out = [
        f"Latest run: `python bench/run.py --agents {res['args']['agents']} "
        f"--weeks {res['args']['weeks']}` on {res['date']}.",
        "",
        headline(res).replace("\n", "  \n"),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in table_rows(res)]
    misses = [v["label"] for v in res["targets"].values() if v["pass"] is False]
    out += ["", "Targets missed: " + ("; ".join(misses) if misses else "none") + "."]
    if res["history"].get("note"):
        out.append(f"History sweep: {res['history']['note']}.")
    return "\n".join(out)


def _load_profile(title: str, profile: dict) -> list[str]:
    """A load_batch profile: seconds per stage, then the functions with most own time."""
    lines = [title, *(f"  {k}: {v}" for k, v in profile["seconds"].items())]
    return [*lines, "  most own time:", *(f"    {t}" for t in profile["top_own_time"])]


def _scorecard_profile(pr: dict) -> list[str]:
    return [
        f"profile of a warm org scorecard (cProfile, ms per call, {pr['calls_profiled']} calls,"
        f" {pr['statements_per_call']} SQL statements per call):",
        "  wall time of the parts, unprofiled (median ms):",
        *(f"    {k}: {v}" for k, v in pr["wall_ms (unprofiled, median)"].items()),
        "  cProfile, cumulative ms per call:",
        *(f"    {k}: {v}" for k, v in pr["ms_per_call"].items()),
        "  most own time:",
        *(f"    {t}" for t in pr["top_own_time"]),
    ]


def _history_profile(res: dict) -> list[str]:
    lines = [
        "history sweep (warm scorecard; read_sums alone; rows of the org rollup it reads, "
        "and its row groups whose date range overlaps the 2 weeks asked / all):"
    ]
    for st in res["history"]["stores"]:
        lines.append(
            f"  {st['weeks']:>3} weeks: scorecard {st['warm_ms']} ms, read_sums "
            f"{st['read_sums_ms']} ms, {st['rollup_rows']:,} org rollup rows, row groups "
            f"{st['row_groups_in_range']}/{st['row_groups']}"
        )
    return lines


def _page_profile(res: dict) -> list[str]:
    a, b = res["page_render"]["apptest"], res["page_render"]["browser"]
    lines = [f"page render, AppTest: title {a['title']!r}, warm reruns {a['warm_samples_s']} s"]
    if b.get("skipped"):
        return [*lines, f"page render in Chromium: skipped ({b['skipped']})"]
    lines.append(
        f"page render in Chromium: server start {b['server_start_s']} s, Chromium launch "
        f"{b['chromium_launch_s']} s"
    )
    visits = [("first", b["first"]), ("second", b["second"])]
    visits += [(f"warm {i}", v) for i, v in enumerate(b["warm"], start=1)]
    if b.get("private"):
        visits.append(("private window's second", b["private"]["second"]))
        visits += [(f"private warm {i}", v) for i, v in enumerate(b["private"]["warm"], 1)]
    lines += [f"  {name} visit: {visit}" for name, visit in visits]
    return [*lines, f"  one-line Streamlit app: {b['streamlit_floor']}"]


def profile_text(res: dict) -> str:
    """The notes printed under the table: profiles, the history sweep's rollup scans,
    memory by stage, the Qualtrics mapping, the page visits."""
    lines = _scorecard_profile(res["profile_scorecard"])
    pi, pq = res.get("profile_ingest"), res.get("profile_qualtrics")
    if pi:
        title = "profile of load_batch (cProfile, cumulative seconds, one call):"
        lines += _load_profile(title, pi)
    lines += _history_profile(res)
    if pi:
        lines.append("memory by load_batch stage (one call, separate process):")
        lines += [f"  {m}" for m in pi["memory_by_stage_mb"]]
    if pq:
        title = "profile of load_batch on the Qualtrics export (cProfile, seconds, one call):"
        lines += _load_profile(title, pq)
        lines.append("memory by load_batch stage, Qualtrics export (one call, separate process):")
        lines += [f"  {m}" for m in pq["memory_by_stage_mb"]]
    q = res["qualtrics"]
    if not q.get("skipped"):
        lines.append(f"Qualtrics mapping (auto-detected): {q['load_batch_report']['mapping']}")
        lines.append(f"Qualtrics rejections: {q['load_batch_report']['reasons']}")
    return "\n".join(lines + _page_profile(res))


def update_readme(path: Path, block: str) -> None:
    """Put `block` between the results markers of `path` (appended, or a new file, when the
    markers or the file are missing); the rest of the file is kept."""
    body = f"{START}\n{block}\n{END}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            tail = rest.split(END, 1)[1]
            path.write_text(head + body + tail, encoding="utf-8")
            return
        path.write_text(text.rstrip("\n") + "\n\n" + body + "\n", encoding="utf-8")
        return
    path.write_text(f"# cxmetrics benchmarks\n\n{body}\n", encoding="utf-8")


def write_results(path: Path, res: dict) -> None:
    """All figures, the machine, the arguments and the methods, as JSON."""
    path.write_text(json.dumps(res, indent=2, default=str) + "\n", encoding="utf-8")
