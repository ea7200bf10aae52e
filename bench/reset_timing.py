#!/usr/bin/env python3
"""How long POST /auth/password-reset takes for a registered and for an unknown address.

    python3 bench/reset_timing.py [--rounds 400] [--postgres]

The answer must not tell who has an account: neither its body nor its time. Starts the
release binary on a fresh SQLite database (and PostgreSQL with --postgres), registers one
user, then sends the two kinds of request in random order, one at a time, and prints the
median, p90 and mean of each kind and their ratio. Loopback only; a benchmark, not a test.
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the load test's helpers: start_ours, request, seed)

KNOWN, UNKNOWN = "bench@example.com", "nobody-here@example.com"


def measure(base, rounds):
    timings = {KNOWN: [], UNKNOWN: []}
    for _ in range(rounds):
        pair = [KNOWN, UNKNOWN]
        random.shuffle(pair)
        for email in pair:
            started = time.perf_counter()
            status, body = run.request("POST", f"{base}/auth/password-reset", body={"email": email})
            timings[email].append((time.perf_counter() - started) * 1000)
            assert status == 202, f"{email}: {status} {body}"
    return timings


def summary(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.9)], statistics.fmean(ordered)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "todo-bootstrap"], cwd=run.ROOT, check=True)
    binary = run.TARGET / "release" / "todo-api"
    for name in ["sqlite"] + (["postgres"] if args.postgres else []):
        with run.fresh_database(name, "todo_reset") as (url, workdir):
            # Every request must reach the service's work, not the limiter.
            extra = {
                "APP_RATE_LIMIT__PASSWORD_RESETS_PER_CLIENT__MAX": "1000000",
                "APP_RATE_LIMIT__PASSWORD_RESETS_PER_EMAIL__MAX": "1000000",
                "APP_MAIL__OUTBOX_DIR": f"{workdir}/mail",
            }
            base, process = start(binary, url, workdir, extra)
            try:
                run.seed(base)
                measure(base, 50)  # warm-up
                timings = measure(base, args.rounds)
            finally:
                process.terminate()
                process.wait(timeout=30)
        known, unknown = summary(timings[KNOWN]), summary(timings[UNKNOWN])
        print(f"{name}: {args.rounds} requests of each kind, one at a time")
        print(f"  registered address: median {known[0]:.2f} ms, p90 {known[1]:.2f} ms, mean {known[2]:.2f} ms")
        print(f"  unknown address:    median {unknown[0]:.2f} ms, p90 {unknown[1]:.2f} ms, mean {unknown[2]:.2f} ms")
        print(f"  ratio of medians (registered / unknown): {known[0] / unknown[0]:.2f}")


def start(binary, database_url, workdir, extra):
    port = run.free_port()
    env = {
        "PATH": run.os.environ["PATH"], "APP_SERVER__PORT": str(port), "APP_DATABASE__URL": database_url,
        "APP_LOG__FILTER": "warn", **extra,
    }
    process = subprocess.Popen([str(binary), "serve"], env=env, cwd=workdir, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    run.wait_until_up(base, process)
    return base, process


if __name__ == "__main__":
    main()
