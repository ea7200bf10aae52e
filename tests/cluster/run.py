#!/usr/bin/env python3
"""The service as a team deploys it: nginx in front of three replicas and a worker, on one
PostgreSQL database and Redis (tests/cluster/cluster.py). Shows, and fails unless:

- failed log-ins are limited across the replicas at the configured count, not three times it;
- through nginx, a browser page of the service's own origin or of the configured web app opens a
  cookie session, another site's cannot (the proxy passes the host the browser used);
- a live-event stream on one replica receives the changes made through the others;
- 64 concurrent writers through the balancer lose nothing;
- every job runs once per enqueue, each e-mail arriving once, with workers in four processes;
- a rolling restart of the three replicas under continuous load gives no client an error.

Usage: python3 tests/cluster/run.py [--binary target/debug/todo-api]. Bounded in time."""

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster import TARGET, Client, Cluster, wait_until  # noqa: E402
from live import EventStream  # noqa: E402

FAILED_LOGINS_MAX = 5
WRITERS, TODOS_PER_WRITER = 64, 20
LOADERS = 16


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def shared_limits(cluster):
    client = Client(cluster.port).register_and_log_in("ada")
    client.token = None
    statuses, upstreams = [], set()
    for _ in range(3 * FAILED_LOGINS_MAX):
        status, _, response = client.request("POST", "/auth/token", {"username": "ada", "password": "wrong"}, form=True)
        statuses.append(status)
        upstreams.add(response.getheader("X-Upstream"))
    allowed = statuses.count(401)
    print(f"failed log-ins: {len(statuses)} attempts over {len(upstreams)} replicas, {allowed} answered 401 "
          f"(configured limit {FAILED_LOGINS_MAX}), {statuses.count(429)} answered 429")
    check(len(upstreams) == 3, f"the attempts reached {upstreams}")
    check(allowed == FAILED_LOGINS_MAX and statuses.count(429) == len(statuses) - allowed, statuses)


def browser_origin(cluster):
    client = Client(cluster.port).register_and_log_in("origin")
    client.token = None
    form = {"username": "origin", "password": "correct horse battery"}
    answers = {}
    for origin in (f"http://127.0.0.1:{cluster.port}", "https://app.example.com", "http://elsewhere.example"):
        status, _, response = client.request("POST", "/auth/session", form, headers={"Origin": origin}, form=True)
        answers[origin] = (status, "todo_refresh=" in (response.getheader("Set-Cookie") or ""))
    print(f"browser sessions through nginx: {answers}")
    check(answers[f"http://127.0.0.1:{cluster.port}"] == (200, True), "the service's own origin opens a session")
    check(answers["https://app.example.com"] == (200, True), "the configured web app's origin opens a session")
    check(answers["http://elsewhere.example"] == (403, False), "another site's origin is refused")


def cross_replica_events(cluster):
    writers = [Client(port).register_and_log_in(f"bob{index}") if index == 0 else Client(port)
               for index, port in enumerate(cluster.ports[1:])]
    for writer in writers[1:]:
        writer.token = writers[0].token
    with EventStream(cluster.ports[0], writers[0].token) as stream:
        delays = []
        for index in range(40):
            writer = writers[index % len(writers)]
            title = f"event {index}"
            status, todo, _ = writer.request("POST", "/todos/", {"title": title})
            answered = time.monotonic()
            check(status == 201, f"create: {status}")
            arrived = stream.wait_for(todo["id"], timeout=5)
            delays.append(max(0.0, arrived - answered) * 1000)
            time.sleep(0.02)
    delays.sort()
    print(f"cross-replica events: {len(delays)} changes made on replicas 2 and 3 reached a stream on replica 1; "
          f"delay after the write's answer: median {statistics.median(delays):.1f} ms, "
          f"p95 {delays[int(len(delays) * 0.95)]:.1f} ms, max {delays[-1]:.1f} ms")


def concurrent_writers(cluster):
    failures, created = [], {}
    lock = threading.Lock()

    def write(index):
        try:
            client = Client(cluster.port).register_and_log_in(f"writer{index}")
            mine = set()
            for number in range(TODOS_PER_WRITER):
                status, todo, _ = client.request("POST", "/todos/", {"title": f"writer {index} todo {number}"})
                check(status == 201, f"writer {index}: {status} {todo}")
                mine.add(todo["id"])
            status, listed, _ = client.request("GET", "/todos/?limit=100")
            check(status == 200 and {todo["id"] for todo in listed} == mine, f"writer {index} reads back {listed}")
            with lock:
                created[index] = mine
            client.close()
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            with lock:
                failures.append(f"writer {index}: {error!r}")

    started = time.monotonic()
    threads = [threading.Thread(target=write, args=(index,)) for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    elapsed = time.monotonic() - started
    check(not failures, failures[:5])
    stored = int(cluster.query("SELECT count(*) FROM todos t JOIN users u ON u.id = t.user_id "
                               "WHERE u.username LIKE 'writer%'"))
    print(f"concurrent writers: {WRITERS} registered and wrote {WRITERS * TODOS_PER_WRITER} todos through nginx "
          f"in {elapsed:.1f} s; {stored} stored, each writer read back exactly its own")
    check(stored == WRITERS * TODOS_PER_WRITER, f"{stored} stored")


def jobs_once(cluster):
    expected = {f"writer{index}@example.com" for index in range(WRITERS)}

    def welcomed():
        return [address for address in cluster.sink.recipients() if address in expected]

    wait_until("the writers' welcome e-mails", lambda: len(welcomed()) >= WRITERS, timeout=60)
    wait_until("an idle queue", lambda: cluster.query(
        "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running', 'failed')") == "0", timeout=60)
    # A worker is named `<process>-<n>`: the processes are the names' first parts.
    rows = cluster.query("SELECT count(*), sum(attempts), count(DISTINCT locked_by), "
                         "count(DISTINCT split_part(locked_by, '-', 1)) FROM jobs "
                         "WHERE kind = 'welcome_email' AND status = 'succeeded'").split("|")
    jobs, attempts, workers, processes = (int(value) for value in rows)
    total = int(cluster.query("SELECT count(*) FROM jobs WHERE kind = 'welcome_email'"))
    got = welcomed()
    print(f"jobs: {total} welcome e-mails enqueued, {jobs} succeeded in {attempts} attempts by {workers} workers; "
          f"in {processes} processes; {len(got)} e-mails to the writers arrived, {len(set(got))} distinct")
    check(jobs == total and attempts == jobs, f"{jobs} succeeded of {total}, {attempts} attempts")
    check(sorted(got) == sorted(expected), "each writer's e-mail arrives exactly once")
    check(processes > 1, "the jobs were shared between processes")


def rolling_restart(cluster, round_number=1):
    names = [f"load{round_number}_{index}" for index in range(LOADERS)]
    clients = [Client(cluster.port).register_and_log_in(name) for name in names]
    stop = threading.Event()
    sent, errors, created = [0] * LOADERS, [], [set() for _ in range(LOADERS)]

    def load(index):
        client = clients[index]
        number = 0
        while not stop.is_set():
            number += 1
            for method, path, body in (("POST", "/todos/", {"title": f"load {number}"}), ("GET", "/todos/?limit=5", None)):
                sent[index] += 1
                try:
                    status, answer, _ = client.request(method, path, body)
                    if status not in (200, 201):
                        errors.append(f"{method} {path}: {status} {answer}")
                    elif method == "POST":
                        created[index].add(answer["id"])
                except Exception as error:  # noqa: BLE001 - a client error, counted
                    errors.append(f"{method} {path}: {error!r}")

    threads = [threading.Thread(target=load, args=(index,), daemon=True) for index in range(LOADERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        for index in range(len(cluster.ports)):
            cluster.restart_replica(index)
        time.sleep(1)
    finally:
        stop.set()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    stored = set()
    for name in names:
        stored |= {int(todo_id) for todo_id in cluster.query(
            f"SELECT t.id FROM todos t JOIN users u ON u.id = t.user_id WHERE u.username = '{name}'").split()}
    made = set().union(*created)
    print(f"rolling restart: {sum(sent)} requests from {LOADERS} clients through nginx in {elapsed:.1f} s while the "
          f"three replicas restarted one at a time; {len(errors)} client errors; {len(made)} todos created, "
          f"{len(stored)} stored")
    check(not errors, errors[:5])
    check(stored == made, f"stored and answered differ by {len(stored ^ made)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(TARGET / "debug" / "todo-api"))
    parser.add_argument("--set", action="append", default=[], metavar="APP_NAME=VALUE",
                        help="a setting of every process (to see what the checks catch)")
    parser.add_argument("--rolling-restarts", type=int, default=1, metavar="N",
                        help="how many rolling restarts the last step makes (each one checked)")
    arguments = parser.parse_args()
    settings = {"APP_RATE_LIMIT__FAILED_LOGINS_PER_USERNAME__MAX": str(FAILED_LOGINS_MAX)}
    settings.update(setting.split("=", 1) for setting in arguments.set)
    started = time.monotonic()
    with Cluster(arguments.binary, settings=settings) as cluster:
        print(f"cluster: nginx on {cluster.port}, replicas on {cluster.ports}, worker on {cluster.worker_port}, "
              f"database {cluster.database} (ready in {time.monotonic() - started:.1f} s)")
        for step in (shared_limits, browser_origin, cross_replica_events, concurrent_writers, jobs_once):
            step(cluster)
        for number in range(1, arguments.rolling_restarts + 1):
            rolling_restart(cluster, number)
    print(f"cluster harness passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
