#!/usr/bin/env python3
"""Load test of the Todo API, side by side with the FastAPI tutorial app it replaces.

    python3 bench/run.py                 # full run: release build, SQLite, PostgreSQL if
                                         # reachable, the FastAPI app if it can be set up
    python3 bench/run.py --smoke         # a few seconds, debug build, no thresholds (CI)

For each endpoint, wrk loads a fresh service (database seeded with one user and 20 todos)
with 64 connections for a fixed duration, on loopback only; every phase is run in each of
three rounds and each figure reported is the median of the rounds' (bench/rounds.py). Prints
a table (req/s, p50, p99, errors) and, for the FastAPI app, our/their throughput ratio;
checks the targets of bench/README.md; saves everything under bench/results/. See
bench/README.md.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from rounds import combine, rounds_table, storm_ratio

ROOT = Path(__file__).resolve().parent.parent
PEER = Path(os.environ.get("PEER_DIR", ROOT.parent / "shared" / "peers" / "fastapi-todo"))
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PEER_VENV = Path(os.environ.get("PEER_VENV", TARGET / "peer-venv"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
USER = {"username": "bench", "email": "bench@example.com", "password": "correct horse battery"}
CONNECTIONS = 64


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(method, url, body=None, token=None, form=None):
    headers = {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_until_up(base, process):
    for _ in range(600):
        if process.poll() is not None:
            sys.exit(f"the service at {base} exited with {process.returncode}")
        try:
            if request("GET", f"{base}/health")[0] == 200:
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"the service at {base} did not start")


def seed(base, user=USER):
    status, _ = request("POST", f"{base}/auth/register", body=user)
    assert status == 201, f"register: {status}"
    status, body = request("POST", f"{base}/auth/token", form={"username": user["username"], "password": user["password"]})
    assert status == 200, f"token: {status}"
    token = body["access_token"]
    ids = []
    for i in range(20):
        status, todo = request("POST", f"{base}/todos/", body={"title": f"todo {i}", "description": "seeded"}, token=token)
        assert status == 201, f"create: {status}"
        ids.append(todo["id"])
    status, listed = request("GET", f"{base}/todos/", token=token)
    assert status == 200 and len(listed) == 20, f"list: {status}"
    return token, ids[10]


def lua_script(directory, name, method, body=None, content_type=None, token=None):
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
        lines.append(f'wrk.headers["Content-Type"] = "{content_type}"')
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    path = Path(directory) / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def endpoints(base, token, todo_id, scripts):
    """(name, url, wrk script) for every endpoint, reads first so that the list has 20 rows.
    `GET /users/me` (the token check and one lookup) is ours only: the FastAPI app has none."""
    form = urllib.parse.urlencode({"username": USER["username"], "password": USER["password"]})
    return [
        ("GET /health", f"{base}/health", lua_script(scripts, "health", "GET")),
        ("GET /users/me", f"{base}/users/me", lua_script(scripts, "me", "GET", token=token)),
        ("GET /todos/", f"{base}/todos/", lua_script(scripts, "list", "GET", token=token)),
        ("GET /todos/{id}", f"{base}/todos/{todo_id}", lua_script(scripts, "get", "GET", token=token)),
        ("POST /todos/", f"{base}/todos/",
         lua_script(scripts, "create", "POST", json.dumps({"title": "benchmark", "description": "load"}), "application/json", token)),
        ("PATCH /todos/{id}", f"{base}/todos/{todo_id}",
         lua_script(scripts, "patch", "PATCH", json.dumps({"completed": True}), "application/json", token)),
        ("POST /auth/token", f"{base}/auth/token",
         lua_script(scripts, "token", "POST", form, "application/x-www-form-urlencoded")),
    ]


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, script, duration, connections=CONNECTIONS, threads=2):
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": non_2xx + socket_errors, "requests": requests}


def family(pid):
    """The process and all its descendants (the FastAPI app runs as a master and workers)."""
    children = [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    return [pid] + [each for child in children for each in family(child)]


def cpu_seconds(pid):
    """User and system CPU time used so far by the process and its descendants."""
    total = 0
    for each in family(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a process that exited since it was listed
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    total_kib = 0
    for each in family(pid):
        status = Path(f"/proc/{each}/status").read_text()
        total_kib += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total_kib / 1024


def start_ours(binary, database_url, workdir, in_process_reads=True):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"], "APP_SERVER__PORT": str(port), "APP_DATABASE__URL": database_url,
        "APP_SERVER__DRAIN_SECONDS": "0",
        "APP_LOG__FILTER": "warn", "APP_DATABASE__SQLITE_IN_PROCESS_READS": str(in_process_reads).lower(),
        # 64 connections log in as one user at once: attempts in flight count against the
        # per-username limit (correctly), which would turn this hashing load into 429s.
        "APP_RATE_LIMIT__FAILED_LOGINS_PER_USERNAME__MAX": "1000000",
        "APP_RATE_LIMIT__FAILED_LOGINS_PER_CLIENT__MAX": "1000000",
    }
    # Settings to compare come from the bench's own environment, e.g. the principal cache
    # off: APP_AUTH__PRINCIPAL_CACHE_CAPACITY=0 python3 bench/run.py
    env.update(overrides())
    process = subprocess.Popen([str(binary), "serve"], env=env, cwd=workdir, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, process)
    return base, process


def overrides():
    """The service's settings given to the bench as APP_... variables."""
    return {name: value for name, value in os.environ.items() if name.startswith("APP_")}


def start_peer(workdir, postgres_url=None):
    """The FastAPI app on a fresh SQLite file or, with `postgres_url`, on that PostgreSQL
    database (bench/peer_postgres.py, on PYTHONPATH)."""
    port = free_port()
    env = dict(os.environ, APP="app_nullpool:app", WORKERS="2", FRESH_DB="1", DB_PATH=str(Path(workdir) / "peer.db"),
               VENV=str(PEER_VENV))
    command = [str(PEER / "run.sh"), str(port)]
    if postgres_url:
        # run.sh creates the tables with the tutorial's engine, which psycopg2 refuses: the
        # tables are created with the swapped one, and uvicorn started as run.sh does.
        env.update(PYTHONPATH=f"{ROOT / 'bench'}:{PEER}",
                   DATABASE_URL=postgres_url.split("?")[0].replace("postgres://", "postgresql+psycopg2://", 1))
        python = str(PEER_VENV / "bin" / "python")
        create = "import peer_postgres, app.database as d; d.create_db_and_tables()"
        subprocess.run([python, "-c", create], env=env, cwd=PEER, check=True)
        command = [str(PEER_VENV / "bin" / "uvicorn"), "peer_postgres:app", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", "2", "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=PEER, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, process)
    return base, process


def stop(process):
    try:
        os.killpg(process.pid, 15) if process.pid == os.getpgid(process.pid) else process.terminate()
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def run_suite(base, pid, duration, scripts, skip=()):
    """Every endpoint in turn; besides wrk's figures, the server's CPU time per request."""
    token, todo_id = seed(base)
    results = {}
    for name, url, script in endpoints(base, token, todo_id, scripts):
        if name in skip:
            continue
        cpu_before = cpu_seconds(pid)
        result = results[name] = wrk(url, script, duration)
        result["cpu_us"] = (cpu_seconds(pid) - cpu_before) * 1e6 / max(result["requests"], 1)
        print(f"  {name:<18} {result['rps']:>10.0f} req/s  p50 {result['p50_ms']:>7.2f} ms  "
              f"p99 {result['p99_ms']:>7.2f} ms  errors {result['errors']}  "
              f"server CPU {result['cpu_us']:>6.1f} us/req", flush=True)
    return results, token, todo_id


def hashing_isolation(base, duration, scripts):
    """GET /todos/ p99 while 32 clients log in without pause, against the same quietly,
    for a user of its own with 20 todos."""
    token, _ = seed(base, {"username": "isolated", "email": "isolated@example.com", "password": USER["password"]})
    list_script = lua_script(scripts, "list-isolation", "GET", token=token)
    form = urllib.parse.urlencode({"username": USER["username"], "password": USER["password"]})
    login_script = lua_script(scripts, "token-isolation", "POST", form, "application/x-www-form-urlencoded")
    # Log-ins queued by the previous run are still being hashed: let them drain first.
    wait_until_idle(base, token)
    quiet = wrk(f"{base}/todos/", list_script, duration)
    logins = subprocess.Popen(
        ["wrk", "-t1", "-c32", f"-d{duration + 2}s", "--timeout", "10s", "-s", str(login_script), f"{base}/auth/token"],
        stdout=subprocess.PIPE, text=True,
    )
    time.sleep(1)
    loaded = wrk(f"{base}/todos/", list_script, duration, threads=1)
    login_output = logins.communicate()[0]
    login_rps = float(re.search(r"Requests/sec:\s+([\d.]+)", login_output).group(1))
    return {"quiet_p99_ms": quiet["p99_ms"], "loaded_p99_ms": loaded["p99_ms"], "loaded_rps": loaded["rps"],
            "logins_per_s": login_rps, "errors": loaded["errors"], "token": token}


def wait_until_idle(base, token):
    """Until a `GET /todos/` answers within 10 ms: the log-ins still queued have been hashed."""
    for _ in range(120):
        started = time.monotonic()
        request("GET", f"{base}/todos/", token=token)
        if time.monotonic() - started < 0.01:
            return
        time.sleep(0.5)


def settled_rss_mib(base, pid, token):
    """Resident memory once the service is idle and the allocator has given back what the load
    freed: the last log-ins' hashing memory (19 MiB each) is freed as they finish, and mimalloc
    returns freed memory to the system after its purge delay (1 s by default)."""
    wait_until_idle(base, token)
    time.sleep(2)
    return rss_mib(pid)


def postgres_reachable():
    if shutil.which("psql") is None:
        return False
    return subprocess.run(["psql", POSTGRES_URL.split("?")[0], "-Atc", "select 1"], capture_output=True).returncode == 0


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, {platform.system()} {platform.release()}"


def table(rows, peer=None):
    head = "| endpoint | req/s | p50 ms | p99 ms | errors | CPU us/req |" + (
        " FastAPI req/s | FastAPI p99 ms | FastAPI CPU us/req | ratio |" if peer else "")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, r in rows.items():
        line = f"| `{name}` | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {r['cpu_us']:.1f} |"
        if peer and name not in peer:
            line += " | | | |"
        elif peer:
            p = peer[name]
            ratio = r["rps"] / p["rps"] if p["rps"] else float("inf")
            line += f" {p['rps']:.0f} | {p['p99_ms']:.2f} | {p['cpu_us']:.0f} | {ratio:.1f}x |"
        lines.append(line)
    return "\n".join(lines)


def check_targets(report, peer, isolation, rss):
    """Issue 16's targets (bench/README.md), as (description, met) pairs. The ceiling target
    needs the ceiling build (bench/ceiling.patch) and is not checked here."""
    ours, checks = report["sqlite"], []
    for name, factor in [("GET /todos/", 25), ("GET /todos/{id}", 30)] if peer else []:
        ratio = ours[name]["rps"] / max(peer[name]["rps"], 1e-9)
        checks.append((f"SQLite {name} at least {factor}x FastAPI: {ratio:.1f}x", ratio >= factor))
    for name in ["GET /todos/", "GET /todos/{id}"]:
        checks.append((f"SQLite {name} p99 at most 10 ms: {ours[name]['p99_ms']:.2f} ms", ours[name]["p99_ms"] <= 10))
    postgres, peer_pg = report.get("postgres"), report.get("fastapi_postgres")
    if postgres:
        share = postgres["GET /todos/"]["rps"] / ours["GET /todos/"]["rps"]
        checks.append((f"PostgreSQL GET /todos/ at least 50% of SQLite's: {share:.0%}", share >= 0.5))
        if report.get("pgbench"):
            share = postgres["GET /todos/"]["rps"] / report["pgbench"]
            checks.append((f"PostgreSQL GET /todos/ at least 25% of pgbench -S: {share:.0%}", share >= 0.25))
        for name in ["GET /todos/", "GET /todos/{id}"]:
            p99 = postgres[name]["p99_ms"]
            checks.append((f"PostgreSQL {name} p99 at most 20 ms: {p99:.2f} ms", p99 <= 20))
        for name in ["GET /todos/", "GET /todos/{id}", "POST /todos/", "PATCH /todos/{id}"] if peer_pg else []:
            ratio = postgres[name]["rps"] / max(peer_pg[name]["rps"], 1e-9)
            checks.append((f"PostgreSQL {name} at least 10x FastAPI on PostgreSQL: {ratio:.1f}x", ratio >= 10))
    errors = sum(r["errors"] for r in ours.values()) + sum(r["errors"] for r in (postgres or {}).values())
    checks.append((f"zero errors: {errors}", errors == 0))
    factor = storm_ratio(isolation)
    checks.append((f"GET /todos/ p99 under 32 log-in clients within 2x quiet: "
                   f"{isolation['loaded_p99_ms']:.2f} / {isolation['quiet_p99_ms']:.2f} ms = {factor:.1f}x", factor <= 2))
    checks.append((f"resident memory after the load at most 64 MiB: {rss:.1f} MiB", rss <= 64))
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per endpoint (default 8)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of every phase; the report gives each figure's median (default 3; bench/rounds.py)")
    parser.add_argument("--smoke", action="store_true", help="1 s per endpoint, debug build, SQLite only, no thresholds")
    parser.add_argument("--no-peer", action="store_true", help="skip the FastAPI app")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--sqlx-reads", action="store_true",
                        help="SQLite reads through sqlx too, not in-process (docs/adr/0001-sqlite-driver.md)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    duration = 1 if args.smoke else args.duration
    rounds = 1 if args.smoke else max(args.rounds, 1)
    profile = "debug" if args.smoke else "release"
    build = ["cargo", "build", "--quiet", "--bin", "todo-api"] + ([] if args.smoke else ["--release"])
    subprocess.run(build, cwd=ROOT, check=True)
    binary = TARGET / profile / "todo-api"

    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "duration_s": duration, "connections": CONNECTIONS, "profile": profile, "rounds_run": rounds,
              "sqlite_reads": "sqlx" if args.sqlx_reads else "in-process", "settings": overrides()}
    measured = []
    for number in range(1, rounds + 1):
        if rounds > 1:
            print(f"Round {number} of {rounds}", flush=True)
        measured.append(measure(args, binary, profile, duration))
    report.update(combine(measured))
    peer, isolation, rss = report.get("fastapi"), report["isolation"], report["rss_mib"]

    sections = [f"# Benchmark {report['date']}", "", f"Machine: {report['machine']}",
                f"Load: wrk, {CONNECTIONS} connections, 2 threads, {duration} s per endpoint, loopback; "
                f"{rounds} round(s) of every phase, each figure the median of the rounds' (errors summed); "
                f"{profile} build; database seeded with one user and 20 todos. CPU us/req: the server's "
                f"CPU time (user and system, all its processes) per request answered.", "",
                f"## Todo API on SQLite ({report['sqlite_reads']} reads)" + (" against the FastAPI tutorial app (NullPool, 2 workers)" if peer else ""), "",
                table(report["sqlite"], peer)]
    if "postgres" in report:
        peer_pg = report.get("fastapi_postgres")
        sections += ["", "## Todo API on PostgreSQL" + (" against the FastAPI tutorial app on PostgreSQL "
                     "(psycopg2, pool of 32 + 32, 2 workers; bench/peer_postgres.py)" if peer_pg else ""), "",
                     table(report["postgres"], peer_pg)]
        sections += ["", ratios(report)]
    sections += ["", "## Password hashing does not block requests", "",
                 f"`GET /todos/` p99 quiet: {isolation['quiet_p99_ms']:.2f} ms; while 32 clients log in without pause "
                 f"({isolation['logins_per_s']:.0f} log-ins/s): {isolation['loaded_p99_ms']:.2f} ms "
                 f"({isolation['loaded_rps']:.0f} req/s, {isolation['errors']} errors).", "",
                 f"Resident memory after the load, idle: {rss:.1f} MiB ({report['rss_at_end_mib']:.1f} MiB "
                 f"the moment the log-ins stopped)."]
    if rounds > 1:
        sections += ["", "## Rounds", "", "Each round's req/s, before the medians above.", "", rounds_table(measured)]
    if not args.smoke:
        checks = check_targets(report, peer, isolation, rss)
        sections += ["", "## Targets", ""] + [f"- [{'x' if met else ' '}] {text}" for text, met in checks]
        report["targets_met"] = all(met for _, met in checks)
    text = "\n".join(sections) + "\n"
    print("\n" + text)
    if not args.smoke:
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        stem = f"{report['date'][:19].replace(':', '')}-{platform.node() or 'machine'}"
        stem += "-sqlx-reads" if args.sqlx_reads else ""
        (results / f"{stem}.md").write_text(text)
        (results / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
        print(f"saved bench/results/{stem}.md and .json")


def measure(args, binary, profile, duration):
    """One round: every phase once, each on a fresh service and database."""
    with tempfile.TemporaryDirectory() as workdir:
        scripts = Path(workdir)
        reads = "sqlx" if args.sqlx_reads else "in-process"
        settings = "".join(f", {name}={value}" for name, value in sorted(overrides().items()))
        print(f"Todo API ({profile}) on SQLite ({reads} reads{settings}), {CONNECTIONS} connections, {duration} s per endpoint:",
              flush=True)
        base, process = start_ours(binary, f"sqlite://{workdir}/bench.db", workdir, not args.sqlx_reads)
        try:
            ours, _, _ = run_suite(base, process.pid, duration, scripts)
            isolation = hashing_isolation(base, duration, scripts)
            rss_at_end = rss_mib(process.pid)
            rss = settled_rss_mib(base, process.pid, isolation.pop("token"))
        finally:
            stop(process)
        print(f"  GET /todos/ p99 quiet {isolation['quiet_p99_ms']:.2f} ms, while 32 clients log in "
              f"({isolation['logins_per_s']:.0f} log-ins/s) {isolation['loaded_p99_ms']:.2f} ms")
        print(f"  resident memory after the load: {rss:.1f} MiB idle ({rss_at_end:.1f} MiB as the log-ins stopped)")
        report = dict(sqlite=ours, isolation=isolation, rss_mib=rss, rss_at_end_mib=rss_at_end)

        if not args.smoke and not args.no_postgres and postgres_reachable():
            database = f"todo_bench_{os.getpid()}"
            admin = POSTGRES_URL.split("?")[0]
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True)
            try:
                url = POSTGRES_URL.replace("/test?", f"/{database}?")
                print(f"Todo API ({profile}) on PostgreSQL:", flush=True)
                base, process = start_ours(binary, url, workdir)
                try:
                    report["postgres"] = run_suite(base, process.pid, duration, scripts)[0]
                finally:
                    stop(process)
                report["pgbench"] = pgbench(url, duration)
                if report["pgbench"]:
                    print(f"  pgbench -S -c {CONNECTIONS} -j 2 -M prepared on the same server: "
                          f"{report['pgbench']:,.0f} transactions/s", flush=True)
            finally:
                subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database}"], check=False)

        if not args.smoke and not args.no_peer and (PEER / "run.sh").exists():
            if not (PEER_VENV / "bin" / "uvicorn").exists():
                subprocess.run([str(PEER / "setup.sh")], env=dict(os.environ, VENV=str(PEER_VENV)), check=True)
            print("FastAPI tutorial app (NullPool, 2 workers):", flush=True)
            base, process = start_peer(workdir)
            try:
                report["fastapi"] = run_suite(base, process.pid, duration, scripts, skip=["GET /users/me"])[0]
            finally:
                stop(process)
            if "postgres" in report:
                report["fastapi_postgres"] = peer_on_postgres(workdir, duration, scripts)

    return report


def peer_on_postgres(workdir, duration, scripts):
    """The FastAPI app's suite on a PostgreSQL database of its own (psycopg2 in its venv)."""
    pip = PEER_VENV / "bin" / "pip"
    if subprocess.run([str(pip), "show", "psycopg2-binary"], capture_output=True).returncode != 0:
        subprocess.run([str(pip), "install", "-q", "psycopg2-binary==2.9.11"], check=True)
    with fresh_database("postgres", "peer_bench") as (url, _):
        print("FastAPI tutorial app on PostgreSQL (psycopg2, 2 workers):", flush=True)
        base, process = start_peer(workdir, url)
        try:
            return run_suite(base, process.pid, duration, scripts, skip=["GET /users/me"])[0]
        finally:
            stop(process)


def pgbench(url, duration):
    """PostgreSQL's own select-only load on the same server: the ceiling of one indexed read a
    transaction, for the ratios of bench/README.md. None when pgbench is not installed."""
    if shutil.which("pgbench") is None:
        return None
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", url], check=True, capture_output=True)
    out = subprocess.run(["pgbench", "-S", "-c", str(CONNECTIONS), "-j", "2", "-M", "prepared", "-T", str(duration), url],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def ratios(report):
    """PostgreSQL's `GET /todos/` against SQLite's in the same run and against pgbench -S."""
    ours = report["postgres"]["GET /todos/"]["rps"]
    parts = [f"`GET /todos/` on PostgreSQL: {ours / report['sqlite']['GET /todos/']['rps']:.0%} of SQLite's"]
    if report.get("pgbench"):
        parts.append(f"{ours / report['pgbench']:.0%} of `pgbench -S` ({report['pgbench']:,.0f} transactions/s)")
    return "; ".join(parts) + "."


@contextlib.contextmanager
def fresh_database(backend, prefix):
    """A working directory and a database URL for one run of another benchmark: a SQLite file
    in the directory, or a PostgreSQL database of its own; both gone afterwards."""
    with tempfile.TemporaryDirectory() as workdir:
        if backend == "sqlite":
            yield f"sqlite://{workdir}/bench.db", workdir
            return
        database, admin = f"{prefix}_{os.getpid()}", POSTGRES_URL.split("?")[0]
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True)
        try:
            yield POSTGRES_URL.replace("/test?", f"/{database}?"), workdir
        finally:
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()
