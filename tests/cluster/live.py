"""A reader of `GET /todos/events` that notes when each created todo's event arrived."""

import http.client
import json
import threading
import time


class EventStream:
    def __init__(self, port, token):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", "/todos/events", headers={"Authorization": f"Bearer {token}"})
        self.response = self.connection.getresponse()
        if self.response.status != 200:
            raise RuntimeError(f"event stream: {self.response.status} {self.response.read()!r}")
        self.arrivals = {}
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        try:
            while line := self.response.readline():
                if not line.startswith(b"data:"):
                    continue
                event = json.loads(line[5:])
                if event.get("type") == "todo.created":
                    with self.changed:
                        self.arrivals[event["todo"]["id"]] = time.monotonic()
                        self.changed.notify_all()
        except (OSError, ValueError, AttributeError, http.client.HTTPException):  # closed meanwhile
            pass

    def wait_for(self, todo_id, timeout):
        """When the creation of `todo_id` arrived (time.monotonic()); raises after `timeout` s."""
        with self.changed:
            if not self.changed.wait_for(lambda: todo_id in self.arrivals, timeout):
                raise TimeoutError(f"no event for todo {todo_id} within {timeout} s")
            return self.arrivals[todo_id]

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.connection.sock and self.connection.sock.close()
        self.connection.close()
