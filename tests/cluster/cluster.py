"""A deployment on one machine: nginx balancing three `todo-api serve` replicas, one
`todo-api worker`, one fresh PostgreSQL database, Redis, and an SMTP sink. Used by the
harness (tests/cluster/run.py) and the bench (bench/cluster.py). Loopback only."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

from smtp_sink import Sink

ROOT = Path(__file__).resolve().parent.parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
# Loopback: no TLS, as a database on the same host or a private network is usually reached.
POSTGRES = urllib.parse.urlsplit(os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")

NGINX_CONF = """
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream todo_api {{
{servers}
    keepalive 64;
    # Below the service's own keep-alive (5 s), so that nginx, not the service, closes an idle
    # connection: a request is never sent on a connection the service is closing.
    keepalive_timeout 4s;
  }}
  # The first replica alone behind the same proxy: what the balancer itself costs (bench).
  upstream todo_api_first {{
    server 127.0.0.1:{first};
    keepalive 64;
    keepalive_timeout 4s;
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 11m;
    location / {{
      proxy_pass http://todo_api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      # The client's address only: a header the client sent must never choose its rate limits.
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header Forwarded "";
      # A replica that refuses the connection (stopping, or not yet started): the next one.
      proxy_next_upstream error timeout;
      proxy_connect_timeout 1s;
      proxy_buffering off;
      proxy_read_timeout 1h;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
  server {{
    listen 127.0.0.1:{first_port};
    location / {{
      proxy_pass http://todo_api_first;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }}
  }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, condition, timeout=60, every=0.05):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(every)


def status_of(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def psql(database, sql):
    command = ["psql", "-h", POSTGRES.hostname or "127.0.0.1", "-p", str(POSTGRES.port or 5432),
               "-U", POSTGRES.username or "postgres", "-d", database, "-Atqc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


class Cluster:
    """Starts everything on entry, stops everything on exit."""

    def __init__(self, binary, replicas=3, settings=None, log_filter="warn"):
        self.binary = str(binary)
        self.replica_count = replicas
        self.extra = settings or {}
        self.log_filter = log_filter
        self.replicas = {}
        self.worker = None
        self.nginx = None

    def __enter__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="todo-cluster-"))
        self.database = f"cluster_{uuid.uuid4().hex[:12]}"
        self.prefix = f"cluster:{self.database}"
        self.sink = None
        try:
            psql(POSTGRES.path.lstrip("/") or "test", f"CREATE DATABASE {self.database}")
            self.sink = Sink()
            migrate = subprocess.run([self.binary, "migrate", "up"], env=self.env(0), cwd=self.dir, capture_output=True)
            if migrate.returncode != 0:
                raise RuntimeError(f"migrate failed: {migrate.stderr.decode()}")
            self.ports = [free_port() for _ in range(self.replica_count)]
            for index in range(self.replica_count):
                self.start_replica(index)
            self.worker_port = free_port()
            self.worker = self.spawn(["worker"], self.worker_port, "worker", {"APP_JOBS__WORKERS": "3"})
            wait_until("the worker", lambda: status_of(self.worker_port, "/health/ready") == 200)
            self.start_nginx()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def env(self, port, extra=None):
        url = POSTGRES._replace(path=f"/{self.database}").geturl()
        env = dict(
            os.environ,
            APP_SERVER__PORT=str(port),
            APP_SERVER__TRUST_PROXY_HEADERS="true",
            # As deployed: browsers may call from the web app's origin, not from anywhere.
            APP_CORS__ALLOWED_ORIGINS="https://app.example.com",
            APP_SERVER__DRAIN_SECONDS="2",
            APP_DATABASE__URL=url,
            APP_DATABASE__MIGRATE_ON_START="false",
            APP_AUTH__SECRET="a cluster secret of more than thirty-two bytes",
            APP_REDIS__URL=REDIS_URL,
            APP_RATE_LIMIT__BACKEND="redis",
            APP_RATE_LIMIT__KEY_PREFIX=f"cluster:{self.database}",
            APP_RATE_LIMIT__REGISTRATIONS_PER_CLIENT__MAX="100000",
            APP_MAIL__SMTP_URL=f"smtp://127.0.0.1:{self.sink.port}",
            APP_JOBS__POLL_INTERVAL_MS="200",
            APP_LOG__FILTER=self.log_filter,
        )
        return {**env, **(extra or {}), **self.extra}

    def spawn(self, command, port, name, extra=None):
        log = open(self.dir / f"{name}.log", "ab")
        return subprocess.Popen([self.binary, *command], env=self.env(port, extra), cwd=self.dir,
                                stdout=log, stderr=subprocess.STDOUT)

    def start_replica(self, index):
        port = self.ports[index]
        self.replicas[index] = self.spawn(["serve"], port, f"replica-{index}", {"APP_JOBS__WORKERS": "1"})
        wait_until(f"replica {index}", lambda: status_of(port, "/health/ready") == 200)

    def stop_replica(self, index, timeout=60):
        """SIGTERM, then waits for the process to end (killed after `timeout` s, which fails
        the run); returns its exit code."""
        process = self.replicas[index]
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"replica {index} did not stop within {timeout} s")
        finally:
            if process.poll() is not None:
                del self.replicas[index]
        return code

    def restart_replica(self, index):
        code = self.stop_replica(index)
        if code != 0:
            raise RuntimeError(f"replica {index} exited with {code}")
        self.start_replica(index)

    def start_nginx(self):
        self.port, self.first_port = free_port(), free_port()
        servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in self.ports)
        (self.dir / "nginx.conf").write_text(NGINX_CONF.format(
            dir=self.dir, port=self.port, servers=servers, first=self.ports[0], first_port=self.first_port))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = subprocess.Popen([nginx, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")])
        wait_until("nginx", lambda: status_of(self.port, "/health") == 200)

    def query(self, sql):
        return psql(self.database, sql)

    def __exit__(self, *_):
        for process in [*self.replicas.values(), self.worker, self.nginx]:
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.replicas.values(), self.worker, self.nginx]:
            if process:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.sink:
            self.sink.close()
        forget = "for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end"
        subprocess.run(["redis-cli", "-u", REDIS_URL, "EVAL", forget, "0", f"{self.prefix}:*"], capture_output=True)
        psql(POSTGRES.path.lstrip("/") or "test", f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        if os.environ.get("KEEP_CLUSTER_LOGS"):
            print(f"logs kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class Client:
    """One keep-alive connection to `port`, as a user once `log_in` ran."""

    def __init__(self, port):
        self.port = port
        self.token = None
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None, headers=None, form=False):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
            body = urllib.parse.urlencode(body) if form else json.dumps(body)
        try:
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        payload = json.loads(data) if data and response.getheader("Content-Type", "").startswith("application/json") else None
        return response.status, payload, response

    def register_and_log_in(self, username, password="correct horse battery"):
        status, body, _ = self.request("POST", "/auth/register", {
            "username": username, "email": f"{username}@example.com", "password": password})
        if status != 201:
            raise RuntimeError(f"registration of {username}: {status} {body}")
        status, body, _ = self.request("POST", "/auth/token", {"username": username, "password": password}, form=True)
        if status != 200:
            raise RuntimeError(f"log-in of {username}: {status} {body}")
        self.token = body["access_token"]
        return self

    def close(self):
        self.connection.close()
