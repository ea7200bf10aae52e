#!/usr/bin/env python3
"""Live events under load: memory per open SSE stream, and the delay from commit to delivery.

    python3 bench/events.py [--users 100] [--streams-per-user 10] [--rate 200] [--seconds 30] [--postgres]

Starts the release binary on a fresh SQLite database (and PostgreSQL with --postgres), registers
`users` users and opens `streams-per-user` GET /todos/events streams for each (1,000 by default),
then makes `rate` writes a second (POST /todos/, each user in turn) for `seconds`, while every
stream reads. It prints:

- the service's resident memory at five numbers of open streams (a tenth, then in four steps
  to all), the cost per stream (the median of the steps), and the memory after the writes;
- for each delivered event, the delay from the todo's `created_at` (taken by the service just
  before its INSERT commits) to the moment the client read the frame: p50, p90, p99, max;
- the same delay measured from when the writer got its 201, a lower bound;
- whether every stream got every event of its user, in order.

Client and service share the machine's cores, and the client is Python: the delays include the
client's own queueing. Loopback only; a benchmark, not a test.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (the load test's helpers: start_ours, request, rss_mib)

PASSWORD = "correct horse battery"


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Stream:
    """One SSE stream over a raw HTTP/1.1 connection (chunked body)."""

    def __init__(self, user, token):
        self.user, self.token = user, token
        self.ids, self.delays_created, self.delays_response = [], [], []

    async def open(self, host, port):
        self.reader, self.writer = await asyncio.open_connection(host, port)
        self.writer.write(
            f"GET /todos/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {self.token}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head.split(b" ", 2)[1]
        assert status == b"200", head
        assert b"chunked" in head.lower(), head

    async def read(self, responses):
        buffer = b""
        while True:
            size_line = await self.reader.readuntil(b"\r\n")
            size = int(size_line.strip(), 16)
            if size == 0:
                return
            chunk = await self.reader.readexactly(size + 2)
            buffer += chunk[:-2]
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                self.frame(frame, responses)

    def frame(self, frame, responses):
        now = time.time()
        for line in frame.split(b"\n"):
            if line.startswith(b"data: "):
                message = json.loads(line[6:])
                if message["type"] != "todo.created":
                    continue
                self.ids.append(message["id"])
                todo = message["todo"]
                self.delays_created.append(now - parse_time(todo["created_at"]))
                answered = responses.get(todo["title"])
                if answered is not None:
                    self.delays_response.append(now - answered)

    def close(self):
        self.writer.close()


async def writer(host, port, tokens, rate, seconds, responses, counts):
    """Writes at `rate` a second over a few keep-alive connections, each user in turn."""
    connections = []
    for _ in range(8):
        connections.append(await asyncio.open_connection(host, port))
    locks = [asyncio.Lock() for _ in connections]
    interval, started, sequence = 1.0 / rate, time.perf_counter(), 0
    pending = set()

    async def write(index, token, title):
        reader, writer_ = connections[index]
        body = json.dumps({"title": title}).encode()
        async with locks[index]:
            writer_.write(
                f"POST /todos/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer_.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            responses[title] = time.time()
            assert head.split(b" ", 2)[1] == b"201", head

    while time.perf_counter() - started < seconds:
        user = sequence % len(tokens)
        counts[user] += 1
        task = asyncio.create_task(write(sequence % len(connections), tokens[user], f"w{sequence}"))
        pending.add(task)
        task.add_done_callback(pending.discard)
        sequence += 1
        delay = started + sequence * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.gather(*pending)
    for _, writer_ in connections:
        writer_.close()
    return sequence, time.perf_counter() - started


async def open_all(streams, host, port):
    for start in range(0, len(streams), 100):
        await asyncio.gather(*(stream.open(host, port) for stream in streams[start:start + 100]))


async def until_closed(base):
    """Waits until the service has noticed every closed stream (on its next write to it)."""
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        with run.urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
            metrics = response.read().decode()
        if 'event_streams_open{kind="sse"} 0' in metrics:
            return
        await asyncio.sleep(0.5)
    raise SystemExit("the service still counts open streams a minute after they closed")


async def settled_rss(pid):
    """The median of five readings half a second apart, after two seconds of quiet."""
    await asyncio.sleep(2)
    readings = []
    for _ in range(5):
        readings.append(run.rss_mib(pid))
        await asyncio.sleep(0.5)
    return statistics.median(readings)


def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000  # noqa: E731
    return pick(0.5), pick(0.9), pick(0.99), ordered[-1] * 1000, statistics.fmean(ordered) * 1000


async def measure(base, pid, args):
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    tokens = []
    for number in range(args.users):
        user = {"username": f"user{number}", "email": f"user{number}@example.com", "password": PASSWORD}
        status, body = run.request("POST", f"{base}/auth/register", body=user)
        assert status == 201, body
        status, body = run.request("POST", f"{base}/auth/token", form={"username": user["username"], "password": PASSWORD})
        assert status == 200, body
        tokens.append(body["access_token"])
    streams = [Stream(user, token) for user, token in enumerate(tokens) for _ in range(args.streams_per_user)]
    # Memory is read after the service settles at five steps: a tenth of the streams open, then
    # three more quarters of the rest, then all. What every process has anyway cancels out; the
    # median of the four steps' cost per stream also ignores a step in which the allocator gave
    # back (or took) the 19 MiB that each log-in's Argon2 hashing borrows.
    first = len(streams) // 10
    steps = [first + (len(streams) - first) * step // 4 for step in range(5)]
    readings = []
    for start, end in zip([0] + steps, steps):
        await open_all(streams[start:end], host, port)
        readings.append(await settled_rss(pid))
    before, after = readings[0], readings[-1]
    slopes = [(b - a) * 1024 / (y - x) for a, b, x, y in zip(readings, readings[1:], steps, steps[1:])]
    responses, counts = {}, [0] * len(tokens)
    readers = [asyncio.create_task(stream.read(responses)) for stream in streams]
    written, took = await writer(host, port, tokens, args.rate, args.seconds, responses, counts)
    # Every event to every stream, or a deadline.
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and any(len(s.ids) < counts[s.user] for s in streams):
        await asyncio.sleep(0.1)
    for stream in streams:
        stream.close()
    for reader in readers:
        reader.cancel()
    loaded = run.rss_mib(pid)
    complete = all(len(s.ids) == counts[s.user] for s in streams)
    in_order = all(s.ids == sorted(s.ids) for s in streams)
    created = [delay for stream in streams for delay in stream.delays_created]
    answered = [delay for stream in streams for delay in stream.delays_response]
    return {
        "streams": len(streams), "first": first, "before": before, "after": after, "loaded": loaded,
        "readings": list(zip(steps, readings)), "per_stream_kib": statistics.median(slopes), "written": written, "took": took,
        "delivered": len(created), "complete": complete, "in_order": in_order,
        "created": percentiles(created), "answered": percentiles(answered),
    }


def report(name, args, result):
    opened = result["streams"] - result["first"]
    overall_kib = (result["after"] - result["before"]) * 1024 / opened
    readings = ", ".join(f"{count}: {mib:.1f}" for count, mib in result["readings"])
    print(f"{name}: {result['streams']} SSE streams of {args.users} users; "
          f"{result['written']} writes in {result['took']:.1f} s ({result['written'] / result['took']:.0f}/s)")
    print(f"  resident memory (MiB) by streams open: {readings}; {result['loaded']:.1f} after the writes")
    print(f"  per stream: {result['per_stream_kib']:.1f} KiB (median of the four steps); "
          f"{overall_kib:.1f} KiB from {result['first']} to {result['streams']} streams")
    print(f"  events delivered: {result['delivered']}; every stream got every event of its user: "
          f"{result['complete']}; in order: {result['in_order']}")
    p50, p90, p99, worst, mean = result["created"]
    print(f"  commit to delivery (from created_at): p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms, "
          f"max {worst:.1f} ms, mean {mean:.1f} ms")
    p50, p90, p99, worst, mean = result["answered"]
    print(f"  from the writer's 201 (lower bound): p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms, "
          f"max {worst:.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--streams-per-user", type=int, default=10)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "todo-bootstrap"], cwd=run.ROOT, check=True)
    binary = run.TARGET / "release" / "todo-api"
    for name in ["sqlite"] + (["postgres"] if args.postgres else []):
        with run.fresh_database(name, "todo_events") as (url, workdir):
            # 100 registrations fit the default limit of 150 a minute per client address.
            base, process = run.start_ours(binary, url, workdir)
            try:
                result = asyncio.run(measure(base, process.pid, args))
            finally:
                run.stop(process)
        report(name, args, result)


if __name__ == "__main__":
    main()
