"""A real webhook receiver on 127.0.0.1 (http.server in a thread), for the tests.

It records every request, answers as it is told (200 by default, a 500, a redirect, or after
sleeping past the sender's timeout), and applies each event once: `applied` counts the effects
per `webhook-id`, however many times the event is delivered."""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.reset()

    def reset(self):
        self.requests = []
        self.applied = Counter()
        self.plan = []  # what to answer next, in order: "ok", "500", "slow", "redirect"
        self.lock = threading.Lock()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, count=1, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.requests) >= count, f"{len(self.requests)} request(s) after {timeout}s"
        return self.requests

    def _handler(receiver):  # noqa: N805 - the handler class closes over the receiver
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    what = receiver.plan.pop(0) if receiver.plan else "ok"
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                if what == "slow":
                    time.sleep(3)
                if what == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                    self.end_headers()
                    return
                if what == "500":
                    self._answer(500, b"receiver down")
                    return
                with receiver.lock:
                    event_id = self.headers.get("webhook-id")
                    if receiver.applied[event_id] == 0:
                        receiver.applied[event_id] += 1  # the effect, once per event id
                self._answer(200, json.dumps({"received": event_id}).encode())

            def _answer(self, status, body):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the sender gave up waiting

        return Handler


def started():
    receiver = Receiver()
    receiver.thread.start()
    return receiver


def stopped(receiver):
    receiver.server.shutdown()
    receiver.server.server_close()
