"""`make run`'s own processes (drm/embedded.py), for real: gunicorn, a Celery worker and beat on
the SQLite broker, in a directory of their own. A lead past its deadline is re-routed by the demo's
beat and worker; the demo answers with DEBUG off; one signal stops every process it started.

The beat runs the deadline job every 3 seconds here (LEAD_DEADLINE_CHECK_MINUTES=0.05) instead of
every 5 minutes; everything else is what `make run` runs.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from drm import embedded

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240  # migrations on a busy machine
REROUTE_SECONDS = 90

# Run in a child process on the demo's database while the demo runs: a lead handed to `first`,
# its deadline passed, then watched until someone else has it (or the time is up).
SCENARIO = """
import datetime, json, sys, time
import django
django.setup()
from django.utils import timezone
from leads import services
from leads.models import Lead
from tests import factories

manager = factories.ManagerFactory(username="manager-scheduler-test")
first = factories.DistributorFactory(code="first")
second = factories.DistributorFactory(code="second")
for distributor in (first, second):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
lead = factories.LeadFactory(country="DE")
services.lead_assign(lead=lead, distributor=first, by=manager)
Lead.objects.filter(pk=lead.pk).update(
    accept_deadline=timezone.now() - datetime.timedelta(minutes=5)
)
assert Lead.objects.get(pk=lead.pk).distributor == first
give_up = time.monotonic() + float(sys.argv[1])
while time.monotonic() < give_up:
    lead.refresh_from_db()
    if lead.distributor_id != first.pk:
        break
    time.sleep(0.5)
print(json.dumps({"status": lead.status, "distributor": getattr(lead.distributor, "code", None)}))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http://127.0.0.1)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for_web(runner, url, log):
    give_up = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < give_up:
        assert runner.poll() is None, "the demo stopped:\n" + log.read_text()[-4000:]
        try:
            status, body = fetch(url + "/healthz")
        except OSError:  # not listening yet
            time.sleep(1)
            continue
        if status == 200:
            return json.loads(body)
        time.sleep(1)
    raise AssertionError(f"no answer after {STARTUP_SECONDS}s:\n" + log.read_text()[-4000:])


def groups_alive(pids):
    alive = []
    for pid in pids:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


@pytest.fixture
def demo(tmp_path):
    """The demo's runner on a free port, without demo data, its output in a file."""
    port = free_port()
    log = tmp_path / "run.log"
    env = {**os.environ, "LEAD_DEADLINE_CHECK_MINUTES": "0.05"}
    command = [sys.executable, "-m", "drm.embedded", "--no-demo"]
    command += ["--port", str(port), "--directory", str(tmp_path / "demo")]
    with log.open("wb") as out:
        runner = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield runner, f"http://127.0.0.1:{port}", log, tmp_path / "demo"
    finally:
        if runner.poll() is None:
            runner.send_signal(signal.SIGTERM)
            try:
                runner.wait(timeout=60)
            except subprocess.TimeoutExpired:
                runner.kill()  # its children get SIGTERM from the kernel (PR_SET_PDEATHSIG)
                runner.wait()
        print(log.read_text()[-6000:])


def test_the_demos_own_beat_and_worker_reroute_a_lead_past_its_deadline_and_stop_together(demo):
    runner, url, log, directory = demo

    health = wait_for_web(runner, url, log)
    assert health["checks"]["broker"] == {"ok": True, "mode": "broker"}  # not eager
    assert health["checks"]["database"]["vendor"] == "sqlite"

    demo_env = {**os.environ, **embedded.environment(directory, port=0)}
    scenario = subprocess.run(
        [sys.executable, "-c", SCENARIO, str(REROUTE_SECONDS)],
        cwd=ROOT,
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=REROUTE_SECONDS + 120,
    )
    assert scenario.returncode == 0, scenario.stderr[-4000:]
    lead = json.loads(scenario.stdout.strip().splitlines()[-1])
    assert lead == {"status": "assigned", "distributor": "second"}, log.read_text()[-4000:]
    output = log.read_text()
    assert re.search(r"^beat +\| .*Sending due task lead-deadlines", output, re.M)
    assert re.search(r"^worker +\| .*leads_deadlines_enforce\[.*\] succeeded", output, re.M)

    # DEBUG is off: the portal's own 404 page, no map of the URLs.
    status, page = fetch(url + "/no/such/page/")
    assert status == 404
    assert "Error 404" in page and "Using the URLconf" not in page and "Traceback" not in page

    started = {
        name: int(pid)
        for name, pid in re.findall(r"^(\w+) +\| started \(pid (\d+)\)", output, re.M)
    }
    assert {"web", "worker", "beat"} <= started.keys()
    runner.send_signal(signal.SIGINT)  # Ctrl-C
    assert runner.wait(timeout=60) == 0
    assert groups_alive(started.values()) == [], log.read_text()[-4000:]
    assert re.search(r"^run +\| stopped: ", log.read_text(), re.M)
