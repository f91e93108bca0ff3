"""A broker restart loses no queued work: tasks queued on a private redis-server run with the
production persistence settings (append-only file, fsync every second, noeviction) survive a
stop and restart of that server, and a real worker started afterwards runs each exactly once.

The shared Redis of the test run is not touched: the broker here is a redis-server of its own on
a free port, with its data in a temporary directory.
"""

import collections
import os
import shutil
import subprocess
import time

import pytest
import redis
from celery import Celery

from tests.conftest import free_port
from tests.workers import celery_worker

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
]

TASKS = 25
# The settings docker-compose.yml gives the broker.
PERSISTENCE = ["--appendonly", "yes", "--appendfsync", "everysec"]
PERSISTENCE += ["--maxmemory-policy", "noeviction"]


def wait_until(check, timeout=30, what="done"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not {what} after {timeout}s")


class Broker:
    """A redis-server on `port` keeping its files in `directory`; started and stopped at will."""

    def __init__(self, directory, port):
        self.directory, self.port = directory, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "", *PERSISTENCE]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = self.client()
        wait_until(lambda: self._answers(client), what="answering")
        # Loaded from the append-only file: not serving until it is all read.
        wait_until(lambda: client.info("persistence")["loading"] == 0, what="loaded")
        return client

    def client(self):
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)

    @staticmethod
    def _answers(client):
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self):
        """SIGTERM: what `docker compose restart` sends; Redis syncs its file and exits."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def broker(tmp_path):
    server = Broker(tmp_path, free_port())
    try:
        yield server
    finally:
        server.stop()


def test_tasks_queued_before_a_broker_restart_each_run_exactly_once_after_it(
    settings, broker, tmp_path
):
    client = broker.start()
    assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
    assert client.config_get("appendonly")["appendonly"] == "yes"
    name = "broker-restart"
    queue = f"drm-{name}-{os.getpid()}"  # the queue tests.workers.celery_worker listens on
    ran = tmp_path / "ran.txt"
    tokens = [f"task-{n}" for n in range(TASKS)]

    # Not the current app: the portal's tasks must keep sending to the test run's broker.
    sender = Celery("restart-test", broker=broker.url, set_as_current=False)
    sender.conf.task_serializer = "json"
    for token in tokens:
        sender.send_task("tests.drm.restart_tasks.record_run", args=[str(ran), token], queue=queue)
    sender.close()
    assert client.llen(queue) == TASKS
    client.close()

    broker.stop()
    client = broker.start()
    assert client.llen(queue) == TASKS, "queued tasks were lost by the restart"

    with celery_worker(
        settings,
        name,
        args=["--include", "tests.drm.restart_tasks"],
        CELERY_BROKER_URL=broker.url,
        REDIS_URL=broker.url,
    ) as worker:
        wait_until(
            lambda: ran.exists() and len(ran.read_text().split()) >= TASKS,
            timeout=90,
            what="run",
        )
        time.sleep(3)  # long enough for a second run of any of them to show
        assert worker.poll() is None, "the worker died"

    runs = collections.Counter(ran.read_text().split())
    assert set(runs) == set(tokens)
    assert set(runs.values()) == {1}, {t: n for t, n in runs.items() if n != 1}
    assert client.llen(queue) == 0
