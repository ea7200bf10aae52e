"""pytest plugin: runs the FastAPI tutorial's tests/test_todos.py against this
service over real HTTP instead of the tutorial app in-process.

Its `client` fixture starts `todo-api` on a free port with a fresh SQLite file
for every test (the tutorial's fixture gives each test a fresh in-memory
database) and hands the test an httpx client with the same methods as
FastAPI's TestClient. Use with `--noconftest` so the tutorial's own fixture
is not loaded; see run.sh.
"""

import os
import socket
import subprocess
import tempfile
import time

import httpx
import pytest

BINARY = os.environ["TODO_API_BINARY"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="client")
def client_fixture():
    with tempfile.TemporaryDirectory() as directory:
        port = _free_port()
        env = dict(
            os.environ,
            APP_SERVER__PORT=str(port),
            APP_DATABASE__URL=f"sqlite://{directory}/test.db",
            APP_LOG__FILTER="warn",
        )
        server = subprocess.Popen([BINARY, "serve"], env=env, cwd=directory)
        base_url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    httpx.get(f"{base_url}/health", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            with httpx.Client(base_url=base_url, timeout=30) as client:
                yield client
        finally:
            server.terminate()
            server.wait(timeout=30)
