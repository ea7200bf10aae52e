#!/usr/bin/env python3
"""Files and data: resident memory while a 200 MiB file is uploaded and downloaded, and while
100,000 todos are exported; the export's throughput.

    python3 bench/files.py [--megabytes 200] [--todos 100000] [--postgres]

Starts the release binary on a fresh SQLite database (and PostgreSQL with --postgres), with
the attachment limit raised by configuration (APP_STORAGE__MAX_FILE_BYTES), and the blob
store in a directory of the run. It samples the service's resident memory every 10 ms and
prints, for each phase, the idle figure before it, the peak during it and the difference:

- uploading a file of `megabytes` MiB (multipart, streamed from the client, never held whole);
- downloading it again;
- exporting `todos` todos (imported first, 10,000 a request), as NDJSON and as CSV, read and
  thrown away as they arrive; with the todos per second.

The issue's target is a peak within 32 MiB of the idle figure for the upload and the export.
Loopback only; a benchmark, not a test.
"""

import argparse
import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the load test's helpers: request, rss_mib, wait_until_up, fresh_database)

PASSWORD = "correct horse battery"
BOUNDARY = "bench-files-boundary"
CHUNK = 1024 * 1024


class Sampler:
    """The peak resident memory of a process while a `with` block runs."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0.0, False

    def __enter__(self):
        self.idle = run.rss_mib(self.pid)
        self.peak, self.running = self.idle, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while self.running:
            self.peak = max(self.peak, run.rss_mib(self.pid))
            time.sleep(0.01)

    def __exit__(self, *_):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, run.rss_mib(self.pid))

    def line(self, what, extra=""):
        return f"{what:<34} idle {self.idle:6.1f} MiB  peak {self.peak:6.1f} MiB  (+{self.peak - self.idle:5.1f} MiB){extra}"


def start(binary, database_url, workdir, megabytes):
    port = run.free_port()
    env = {
        "PATH": os.environ["PATH"], "APP_SERVER__PORT": str(port), "APP_DATABASE__URL": database_url,
        "APP_LOG__FILTER": "warn", "APP_STORAGE__URL": f"file://{workdir}/blobs",
        "APP_STORAGE__MAX_FILE_BYTES": str((megabytes + 1) * CHUNK),
        "APP_STORAGE__QUOTA_BYTES": str((megabytes + 1) * CHUNK),
    }
    process = subprocess.Popen([str(binary), "serve"], env=env, cwd=workdir, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    run.wait_until_up(base, process)
    return port, base, process


def pattern(megabytes):
    """The file, a mebibyte at a time, and its SHA-256 once it has all gone by."""
    digest = hashlib.sha256()
    block = bytes(range(256)) * (CHUNK // 256)
    for index in range(megabytes):
        chunk = block[index % 256:] + block[:index % 256]
        digest.update(chunk)
        yield chunk
    pattern.digest = digest.hexdigest()


def upload(port, token, todo, megabytes):
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def body():
        yield head
        yield from pattern(megabytes)
        yield tail

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("POST", f"/todos/{todo}/attachments", body=body(), headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(head) + megabytes * CHUNK + len(tail)),
    })
    response = connection.getresponse()
    answer = json.loads(response.read())
    assert response.status == 201, answer
    return answer


def drain(port, token, path):
    """Reads an answer as it comes and throws it away; its size in bytes and lines."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    assert response.status == 200, response.status
    size = lines = 0
    while chunk := response.read(256 * 1024):
        size, lines = size + len(chunk), lines + chunk.count(b"\n")
    return size, lines


def import_todos(port, token, count):
    for start in range(0, count, 10_000):
        lines = "".join(json.dumps({"title": f"todo {i}", "completed": i % 2 == 0}) + "\n"
                        for i in range(start, min(start + 10_000, count)))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("POST", "/todos/import", body=lines.encode(), headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
        response = connection.getresponse()
        assert response.status == 201, response.read()
        response.read()


def bench(binary, backend, args):
    lines = [f"== {backend}"]
    with run.fresh_database(backend, "todo_bench_files") as (url, workdir):
        port, base, process = start(binary, url, workdir, args.megabytes)
        try:
            run.request("POST", f"{base}/auth/register",
                        {"username": "bench", "email": "bench@example.com", "password": PASSWORD})
            token = run.request("POST", f"{base}/auth/token", form={"username": "bench", "password": PASSWORD})[1]["access_token"]
            todo = run.request("POST", f"{base}/todos/", {"title": "with a big file"}, token)[1]["id"]
            for _ in range(20):  # warm: the pools and the allocator's first arenas
                run.request("GET", f"{base}/todos/", token=token)
            with Sampler(process.pid) as sampled:
                began = time.monotonic()
                attachment = upload(port, token, todo, args.megabytes)
                seconds = time.monotonic() - began
            assert attachment["sha256"] == pattern.digest, "the stored file differs"
            lines.append(sampled.line(f"upload {args.megabytes} MiB", f"  {args.megabytes / seconds:6.1f} MiB/s"))
            path = f"/todos/{todo}/attachments/{attachment['id']}/content"
            with Sampler(process.pid) as sampled:
                began = time.monotonic()
                size, _ = drain(port, token, path)
                seconds = time.monotonic() - began
            assert size == args.megabytes * CHUNK
            lines.append(sampled.line(f"download {args.megabytes} MiB", f"  {args.megabytes / seconds:6.1f} MiB/s"))
            began = time.monotonic()
            import_todos(port, token, args.todos)
            lines.append(f"import {args.todos} todos (10,000 a request)   {args.todos / (time.monotonic() - began):8.0f} todos/s")
            for format in ("ndjson", "csv"):
                with Sampler(process.pid) as sampled:
                    began = time.monotonic()
                    size, rows = drain(port, token, f"/todos/export?format={format}")
                    seconds = time.monotonic() - began
                exported = rows - (1 if format == "csv" else 0)
                assert exported == args.todos + 1, (format, exported)
                lines.append(sampled.line(f"export {exported} todos, {format}",
                                          f"  {exported / seconds:8.0f} todos/s, {size / seconds / CHUNK:5.1f} MiB/s"))
        finally:
            run.stop(process)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--todos", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "todo-bootstrap"], cwd=run.ROOT, check=True)
    binary = run.TARGET / "release" / "todo-api"
    report = [f"bench/files.py on {run.machine()}, {time.strftime('%Y-%m-%dT%H:%M:%S')}"]
    for backend in ["sqlite"] + (["postgres"] if args.postgres else []):
        report += bench(binary, backend, args)
    text = "\n".join(report)
    print(text)
    results = run.ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"{time.strftime('%Y-%m-%dT%H%M%S')}-files-vm.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
