#!/usr/bin/env python3
"""Schemathesis 4 against the running service, on SQLite and on PostgreSQL.

Starts the debug binary on a fresh database, registers a user, logs in, and runs every
check of schemathesis against /openapi.json with that token: any 5xx, any answer that the
document does not describe, any bad input accepted or good input refused fails the run.
Bounded: deterministic generation, a fixed number of examples, a timeout per request and
for the whole run. Usage: python3 tests/schemathesis/run.py [--no-postgres]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
VENV = Path(os.environ.get("SCHEMATHESIS_VENV", TARGET / "st-venv"))
VERSION = "4.32.5"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "50")
RUN_TIMEOUT_S = 600


def schemathesis():
    st, pip = VENV / "bin" / "st", VENV / "bin" / "pip"
    installed = pip.exists() and subprocess.run([str(pip), "show", "schemathesis"], capture_output=True,
                                                 text=True).stdout
    if not st.exists() or f"Version: {VERSION}" not in (installed or ""):
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(pip), "install", "-q", f"schemathesis=={VERSION}"], check=True)
    return st


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, path, data=None, headers=None):
    request = urllib.request.Request(base + path, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def start(database_url, workdir):
    port = free_port()
    # Fuzzing fails many log-ins and registers many users from one address: lift those limits.
    env = dict(os.environ, APP_SERVER__PORT=str(port), APP_SERVER__DRAIN_SECONDS="0", APP_DATABASE__URL=database_url, APP_LOG__FILTER="error",
               APP_RATE_LIMIT__FAILED_LOGINS_PER_USERNAME__MAX="1000000",
               APP_RATE_LIMIT__FAILED_LOGINS_PER_CLIENT__MAX="1000000",
               APP_RATE_LIMIT__REGISTRATIONS_PER_CLIENT__MAX="1000000")
    process = subprocess.Popen([str(TARGET / "debug" / "todo-api"), "serve"], env=env, cwd=workdir)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            call(base, "/health")
            return base, process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                sys.exit(f"the service did not start on {database_url}")
            time.sleep(0.1)


def token(base):
    user = {"username": "fuzz_user", "email": "fuzz@example.com", "password": "correct horse battery"}
    call(base, "/auth/register", json.dumps(user).encode(), {"Content-Type": "application/json"})
    form = urllib.parse.urlencode({"username": user["username"], "password": user["password"]}).encode()
    return call(base, "/auth/token", form)["access_token"]


def fuzz(st, name, database_url, workdir):
    base, process = start(database_url, workdir)
    try:
        report = TARGET / f"schemathesis-{name}.xml"
        command = [str(st), "--config-file", str(HERE / "schemathesis.toml"), "run", f"{base}/openapi.json",
                   "--checks", "all", "-H", f"Authorization: Bearer {token(base)}",
                   "--max-examples", EXAMPLES, "--generation-deterministic", "--request-timeout", "10",
                   # These end the run's own session, after which every call would be a 401: the
                   # HTTP tests cover them (tests/tests/api/sessions.rs).
                   "--exclude-name", "POST /auth/logout", "--exclude-name", "DELETE /users/me/sessions",
                   "--exclude-name", "DELETE /users/me/sessions/{session_id}",
                   # Live streams never end on their own: tested over real HTTP and WebSockets
                   # in tests/tests/api/events*.rs instead.
                   "--exclude-name", "GET /todos/events", "--exclude-name", "GET /todos/ws",
                   "--no-color", "--report", "junit", "--report-junit-path", str(report)]
        print(f"== schemathesis on {name}", flush=True)
        env = dict(os.environ, SCHEMATHESIS_HOOKS=str(HERE / "hooks.py"))
        return subprocess.run(command, timeout=RUN_TIMEOUT_S, env=env).returncode
    finally:
        process.terminate()
        process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    st = schemathesis()
    failed = []
    with tempfile.TemporaryDirectory() as workdir:
        if fuzz(st, "sqlite", f"sqlite://{workdir}/fuzz.db", workdir) != 0:
            failed.append("sqlite")
        if not args.no_postgres:
            database = f"todo_fuzz_{os.getpid()}"
            admin = POSTGRES_URL.split("?")[0]
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True)
            try:
                url = POSTGRES_URL.replace("/test?", f"/{database}?")
                if fuzz(st, "postgres", url, workdir) != 0:
                    failed.append("postgres")
            finally:
                subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)
    if failed:
        sys.exit(f"schemathesis found failures on: {', '.join(failed)}")
    print("schemathesis: no failures")


if __name__ == "__main__":
    main()
