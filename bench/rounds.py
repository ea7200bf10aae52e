"""Several rounds of bench/run.py's measurements folded into one report.

A 2-core machine shared by the load generator, the service and the database gives figures
that move by a third from one minute to the next, and the FastAPI app's move more (its
`GET /todos/` between 495 and 893 req/s in nine runs of the same day). One round of each
phase makes every ratio hang on which minute each side drew. So a run measures every phase
in each round, our service and the FastAPI app alike, one round after the other, and reports
per endpoint the median of the rounds' figures (errors and requests summed); the targets are
checked on those medians. The rounds' own figures stay in the report (`rounds`) and in a
table of their own, so that a median never hides a bad round.
"""

import statistics

SUITES = ["sqlite", "postgres", "fastapi", "fastapi_postgres"]
MEDIAN_FIELDS = ["rps", "p50_ms", "p99_ms", "cpu_us"]
SUMMED_FIELDS = ["errors", "requests"]


def combine(rounds):
    """One report from the rounds' reports: medians per endpoint; the log-in storm of the
    round with the median ratio (its quiet and loaded p99 belong together); the largest
    resident memory of any round."""
    if len(rounds) == 1:
        return dict(rounds[0])
    combined = {}
    for suite in SUITES:
        present = [round_[suite] for round_ in rounds if round_.get(suite)]
        if present and len(present) == len(rounds):
            combined[suite] = {name: endpoint([results[name] for results in present]) for name in present[0]}
    pgbench = [round_["pgbench"] for round_ in rounds if round_.get("pgbench")]
    if pgbench:
        combined["pgbench"] = statistics.median(pgbench)
    storms = sorted((round_["isolation"] for round_ in rounds), key=storm_ratio)
    combined["isolation"] = storms[(len(storms) - 1) // 2]
    combined["rss_mib"] = max(round_["rss_mib"] for round_ in rounds)
    combined["rss_at_end_mib"] = max(round_["rss_at_end_mib"] for round_ in rounds)
    combined["rounds"] = rounds
    return combined


def endpoint(results):
    folded = {field: statistics.median(result[field] for result in results) for field in MEDIAN_FIELDS}
    folded.update({field: sum(result[field] for result in results) for field in SUMMED_FIELDS})
    return folded


def storm_ratio(isolation):
    return isolation["loaded_p99_ms"] / isolation["quiet_p99_ms"]


def rounds_table(rounds):
    """The figures the targets compare, round by round (req/s; the ratios as in the targets)."""
    head = ("| round | SQLite `GET /todos/` | `{id}` | FastAPI `GET /todos/` | `{id}` | PostgreSQL `GET /todos/` "
            "| `{id}` | FastAPI on PostgreSQL `GET /todos/` | `{id}` | `pgbench -S` | log-in storm | memory MiB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for number, round_ in enumerate(rounds, 1):
        cells = [str(number)]
        for suite in ["sqlite", "fastapi", "postgres", "fastapi_postgres"]:
            for name in ["GET /todos/", "GET /todos/{id}"]:
                result = (round_.get(suite) or {}).get(name)
                cells.append(f"{result['rps']:,.0f}" if result else "")
        cells.append(f"{round_['pgbench']:,.0f}" if round_.get("pgbench") else "")
        cells.append(f"{storm_ratio(round_['isolation']):.1f}x")
        cells.append(f"{round_['rss_mib']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
