#!/usr/bin/env python3
"""`GET /todos/` (20 rows) through nginx with three replicas, against one replica direct and
one replica behind the same nginx: what the balancer costs and what replicas bring on this
machine. The deployment is the harness's (tests/cluster/cluster.py: PostgreSQL, Redis, a
worker), with the release build.

    python3 bench/cluster.py [--duration 10] [--runs 3]

wrk with 64 connections, 2 threads, on loopback; prints a table and saves it under
bench/results/ (…-cluster.md). See bench/README.md, "Replicas behind nginx"."""

import argparse
import datetime
import importlib.util
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests" / "cluster"))

from cluster import TARGET, Cluster  # noqa: E402

spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="rounds; each target is measured once per round")
    parser.add_argument("--binary", default=str(TARGET / "release" / "todo-api"))
    arguments = parser.parse_args()
    if arguments.binary.endswith("release/todo-api"):
        subprocess.run(["cargo", "build", "--release", "--bin", "todo-api"], cwd=BENCH.parent, check=True)
    # The log-in seeding must not hit the limits; the replicas log warnings only.
    settings = {"APP_RATE_LIMIT__REGISTRATIONS_PER_CLIENT__MAX": "1000"}
    with Cluster(arguments.binary, settings=settings) as cluster, tempfile.TemporaryDirectory() as scripts:
        token, _ = bench.seed(f"http://127.0.0.1:{cluster.port}")
        script = bench.lua_script(scripts, "list", "GET", token=token)
        targets = {
            "one replica, direct": cluster.ports[0],
            "one replica behind nginx": cluster.first_port,
            "three replicas behind nginx": cluster.port,
        }
        results = {name: [] for name in targets}
        bench.wrk(f"http://127.0.0.1:{cluster.port}/todos/", script, 2)  # warm every replica's pool
        for _ in range(arguments.runs):
            for name, port in targets.items():
                results[name].append(bench.wrk(f"http://127.0.0.1:{port}/todos/", script, arguments.duration))
    direct = statistics.median(run["rps"] for run in results["one replica, direct"])
    lines = [
        f"# GET /todos/ through nginx, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {bench.machine()}. Release build on PostgreSQL with Redis and a worker; wrk 64 connections, "
        f"2 threads, {arguments.duration} s, {arguments.runs} rounds; medians (and the spread of req/s).",
        "",
        "| target | req/s | of direct | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, runs in results.items():
        rps = [run["rps"] for run in runs]
        lines.append(
            f"| {name} | {statistics.median(rps):,.0f} ({min(rps):,.0f}–{max(rps):,.0f}) | "
            f"{statistics.median(rps) / direct:.0%} | {statistics.median(run['p50_ms'] for run in runs):.2f} | "
            f"{statistics.median(run['p99_ms'] for run in runs):.2f} | {sum(run['errors'] for run in runs)} |")
    report = "\n".join(lines) + "\n"
    print(report)
    out = BENCH / "results" / f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H%M%S}-cluster.md"
    out.write_text(report)
    print(f"saved {out.relative_to(BENCH.parent)}")
    if any(run["errors"] for runs in results.values() for run in runs):
        sys.exit("errors under load")


if __name__ == "__main__":
    main()
