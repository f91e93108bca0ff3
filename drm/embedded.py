"""`make run`: the embedded default as one command, run as production runs, on nothing but Python.

It prepares the SQLite database (migrations, the demo's distributors and logins, static files),
starts the web server (gunicorn, DEBUG off, static files served by whitenoise) and loads the rest
of the demo (leads, goals, funds, incentives, the first scorecards) beside it; then it queues every
job of the beat schedule once, so that a trial sees at once what the night would do, and starts a
Celery worker and Celery beat on a broker kept in a SQLite file (kombu's SQLAlchemy transport).
Ctrl-C (or SIGTERM) stops web, worker and beat together.

    python -m drm.embedded [--port 8000] [--directory DIR] [--no-demo]

Everything the demo writes lives in DIR (the project directory by default): db.sqlite3,
celery-broker.sqlite3, the cache its processes share (demo-cache/), the e-mails it sends (mail/),
the files uploaded to it (media/: the demo funds' proof files) and the collected static files
(staticfiles/). The runner itself never sets Django up: only
its children do.
"""

import argparse
import contextlib
import ctypes
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# How long a stopping process may take (a task finishing, requests answered) before it is killed.
STOP_SECONDS = 20
LOAD_DEMO = "--load-demo"


def environment(directory, *, port):
    """The variables every process of the demo runs with, whatever `.env` says."""
    directory = Path(directory).resolve()
    return {
        "DJANGO_SETTINGS_MODULE": "drm.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CACHE_URL": f"filecache://{directory / 'demo-cache'}?max_entries=20000",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{directory / 'celery-broker.sqlite3'}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_URL": f"filemail:///{directory / 'mail'}",
        "MEDIA_ROOT": str(directory / "media"),
        "STATIC_ROOT": str(directory / "staticfiles"),
        "PYTHONUNBUFFERED": "1",
    }


def commands(port):
    """The three long-running processes: what docker-compose.yml runs, sized for one machine."""
    python = sys.executable
    return {
        "web": [
            python, "-m", "gunicorn", "drm.wsgi",
            "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--threads", "4", "--preload",
            "--graceful-timeout", "5", "--access-logfile", "-", "--no-control-socket",
        ],
        # Concurrency 1: one task at a time keeps SQLite's single writer from queueing up.
        "worker": [
            python, "-m", "celery", "-A", "drm", "worker", "--concurrency", "1",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        "beat": [python, "-m", "celery", "-A", "drm", "beat", "--loglevel", "INFO"],
    }  # fmt: skip


def manage(*args):
    return [sys.executable, "manage.py", *args]


# --- the supervisor --------------------------------------------------------------------------

try:
    _libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
except OSError:  # pragma: no cover - a libc that cannot be loaded: no parent-death signal
    _libc = None
PR_SET_PDEATHSIG = 1


def _die_with_runner():
    """In the child, before exec: Linux sends it SIGTERM should the runner die unannounced
    (kill -9), so no process outlives it. The runner is single-threaded: safe before exec."""
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    def __init__(self, name, command, env):
        self.name = name
        # A process group of its own: the terminal's Ctrl-C reaches the runner only, which stops
        # each child in order, and a stray grandchild (a pool process) goes with its group.
        self.process = subprocess.Popen(  # noqa: S603 (our own commands, fixed arguments)
            command,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=_die_with_runner,  # the runner is single-threaded: safe
        )
        self.pending = b""

    @property
    def pid(self):
        return self.process.pid

    def running(self):
        return self.process.poll() is None

    def signal(self, signum):
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signum)

    def kill_group(self):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


class Supervisor:
    """Runs children, prefixes their output with their name, stops them all together."""

    def __init__(self, out=None):
        self.out = out or sys.stdout.buffer
        self.selector = selectors.DefaultSelector()
        self.children = []
        self.stop_signal = None
        self.started_at = time.monotonic()

    # Signals only set a flag; the loop acts on it.
    def install_signal_handlers(self):
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum, frame):
        if self.stop_signal is not None and signum == signal.SIGINT:
            self.say("second Ctrl-C: killing everything now")
            for child in self.children:
                child.kill_group()
        self.stop_signal = signum

    def say(self, text, name="run"):
        self.out.write(f"{name:<6} | {text}\n".encode())
        self.out.flush()

    def start(self, name, command, env):
        child = Child(name, command, env)
        self.children.append(child)
        self.selector.register(child.process.stdout, selectors.EVENT_READ, child)
        shown = " ".join(["python", *command[1:]] if command[0] == sys.executable else command)
        self.say(f"started (pid {child.pid}): {shown}", name)
        return child

    def pump(self, timeout):
        """Copy whatever the children wrote, line by line, to the runner's output."""
        for key, _ in self.selector.select(timeout):
            child = key.data
            data = os.read(key.fd, 65536)
            if not data:
                self.selector.unregister(key.fileobj)
                key.fileobj.close()
                data = b"\n" if child.pending else b""
            *lines, child.pending = (child.pending + data).split(b"\n")
            for line in lines:
                self.out.write(f"{child.name:<6} | ".encode() + line + b"\n")
            self.out.flush()

    def drain(self, child):
        """After a child exited: the rest of its output (its pipe may outlive it a moment)."""
        deadline = time.monotonic() + 2
        while child.process.stdout in self._open_pipes() and time.monotonic() < deadline:
            self.pump(0.1)

    def _open_pipes(self):
        return {key.fileobj for key in self.selector.get_map().values()}

    def run(self, name, command, env):
        """Run one step to its end; None when a signal stopped it, else its exit code."""
        child = self.start(name, command, env)
        began = time.monotonic()
        while child.running():
            if self.stop_signal is not None:
                return None
            self.pump(0.2)
        self.drain(child)
        self.say(f"done in {time.monotonic() - began:.1f}s", name)
        return child.process.returncode

    def stop(self):
        """SIGTERM to each child still running, the last started first (beat queues nothing
        more while the worker finishes its task and the web its requests); SIGKILL to whatever
        is left after STOP_SECONDS, then to every child's process group."""
        for child in reversed(self.children):
            if child.running():
                self.say(f"stopping (pid {child.pid})", child.name)
                child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while any(child.running() for child in self.children) and time.monotonic() < deadline:
            self.pump(0.2)
        for child in self.children:
            if child.running():
                self.say(f"did not stop within {STOP_SECONDS}s: killed", child.name)
            child.kill_group()
            child.process.wait()
        while self._open_pipes():
            self.pump(0.1)
        self.say("stopped: " + ", ".join(f"{c.name} ({c.pid})" for c in self.children))


def web_answers(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def serve(supervisor, *, port, directory, demo):
    base = {**os.environ, **environment(directory, port=port)}
    # Setup steps and the demo loaders run tasks in-process, as they always have.
    setup = {**base, "CELERY_TASK_ALWAYS_EAGER": "1"}
    static = supervisor.start("static", manage("collectstatic", "--noinput", "-v", "0"), setup)
    steps = [("migrate", manage("migrate", "--noinput", "-v", "0"))]
    if demo:  # distributors and logins: the first page needs them
        steps.append(("data", manage("demo_data", "--quiet")))
    for name, command in steps:
        code = supervisor.run(name, command, setup)
        if code != 0:
            return code
    while static.running() and supervisor.stop_signal is None:
        supervisor.pump(0.2)
    supervisor.drain(static)
    if supervisor.stop_signal is not None or static.process.returncode != 0:
        return static.process.returncode or 0

    every = commands(port)
    services = [supervisor.start("web", every.pop("web"), base)]
    # The worker and beat start once the demo is loaded: their first jobs (deadlines, scoring)
    # should see the whole demo, not the part written so far.
    loader = None
    if demo:
        loader = supervisor.start("demo", [sys.executable, "-m", "drm.embedded", LOAD_DEMO], setup)
    else:
        services += [supervisor.start(name, command, base) for name, command in every.items()]
    announced = False
    while supervisor.stop_signal is None:
        supervisor.pump(0.5)
        if loader is not None and not loader.running():
            supervisor.drain(loader)
            if loader.process.returncode != 0:
                supervisor.say("loading the demo failed (see above); the portal runs without it")
            services += [supervisor.start(name, command, base) for name, command in every.items()]
            loader = None
        for child in services:
            if not child.running():
                supervisor.drain(child)
                supervisor.say(
                    f"{child.name} exited with code {child.process.returncode}; stopping the rest"
                )
                return child.process.returncode or 1
        if not announced and web_answers(port):
            announced = True
            seconds = time.monotonic() - supervisor.started_at
            supervisor.say(
                f"the demo portal answers on http://127.0.0.1:{port}/ ({seconds:.0f}s after start; "
                f"log in as manager, password drm-demo); e-mails go to "
                f"{Path(directory).resolve() / 'mail'}/. Ctrl-C stops web, worker and beat."
            )
    return 0


def load_demo():
    """The demo's background part: leads, goals, funds, incentives and the first scoring run
    (each idempotent; the funds before the scores, whose first scorecards weigh their payments;
    the incentives after the goals, whose bonuses they pay), then every job of the beat schedule
    queued once for the worker."""
    import django
    from celery.exceptions import AlwaysEagerIgnored

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from drm.celery import app

    # The loaders run their own tasks in-process; these go to the worker all the same.
    warnings.filterwarnings("ignore", category=AlwaysEagerIgnored)

    print(
        "loading the demo's leads, goals, funds, incentives, training, tiers, company sign-in, "
        "webhooks and first scorecards (worker and beat start next)"
    )
    for command in (
        "demo_leads",
        "demo_goals",
        "demo_funds",
        "demo_incentives",
        "demo_programme",
        "demo_tiers",
        "demo_sso",
        "demo_webhooks",
        "scoring_run",
    ):
        call_command(command, quiet=True)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        app.send_task(entry["task"])
        print(f"queued {name} ({entry['task']}) once; then on its schedule")
    print("demo loaded")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m drm.embedded", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--directory", default=str(BASE_DIR), help="where the demo's files live")
    parser.add_argument("--no-demo", action="store_true", help="migrations only, no demo data")
    parser.add_argument(LOAD_DEMO, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_demo:
        load_demo()
        return 0
    if web_answers(args.port):
        parser.exit(1, f"Port {args.port} is taken by another server: PORT=8001 make run\n")
    Path(args.directory).mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor()
    supervisor.install_signal_handlers()
    try:
        code = serve(supervisor, port=args.port, directory=args.directory, demo=not args.no_demo)
    finally:
        supervisor.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
