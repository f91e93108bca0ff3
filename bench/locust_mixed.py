"""Locust users of the mixed load run (bench/mixed_load.py) over the demo data.

- ManagerPages: the demo `manager` logged in through the log-in form, reading its pages;
- PartnerPages: the demo `partner` (adriatica's admin) the same way, reading its own side;
- ManagerApi, PartnerApi: a BI tool with each one's token, reading the API at a steady pace
  (well inside API_READ_RATE);
- ThrottleProbe: another token (BENCH_PROBE_TOKEN) reading back to back, past its read budget:
  its 429 answers are the throttle working and count as successes when they carry Retry-After;
  anything else but a 200 is a failure.
A failure is any answer other than the expected one (an error page, a 5xx, a 429 without
Retry-After, a redirect to the log-in page).
"""

import os
import random
import re

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

PASSWORD = os.environ.get("BENCH_PASSWORD", "drm-demo")
CODES = [code for code in os.environ.get("BENCH_CODES", "").split(",") if code]
OWN = os.environ.get("BENCH_PARTNER_CODE", "adriatica")  # the demo partner's distributor
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _code():
    return random.choice(CODES) if CODES else "adriatica"  # noqa: S311 (a load pattern)


class _Browser(FastHttpUser):
    abstract = True
    username = ""
    wait_time = between(0.5, 1.5)

    def on_start(self):
        page = self.client.get("/accounts/login/", name="log in (form)")
        token = CSRF.search(page.text or "")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="log in (post)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/accounts/login/" in (
                response.headers.get("Location") or ""
            ):
                response.failure(f"{self.username} could not log in")

    def page(self, path, name=None):
        # Redirects are not followed: one to the log-in page (a lost session) is a failure.
        with self.client.get(
            path, name=name or path, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} at {path}")


class ManagerPages(_Browser):
    username = "manager"
    fixed_count = 2

    @task(3)
    def dashboard(self):
        self.page("/dashboard/")

    @task(2)
    def distributors(self):
        self.page("/distributors/?scope=all")

    @task(2)
    def distributor(self):
        self.page(f"/distributors/{_code()}/", "/distributors/<code>/")

    @task(2)
    def leads(self):
        self.page("/leads/")

    @task(2)
    def goals(self):
        self.page("/goals/")

    @task(2)
    def rankings(self):
        self.page("/scoring/rankings/")

    @task(1)
    def scorecard(self):
        self.page(f"/scoring/distributors/{_code()}/", "/scoring/distributors/<code>/")


class PartnerPages(_Browser):
    username = "partner"
    fixed_count = 2

    @task(2)
    def home(self):
        self.page("/my/")

    @task(3)
    def inbox(self):
        self.page("/leads/inbox/")

    @task(2)
    def goals(self):
        self.page("/goals/", "/goals/ (partner)")

    @task(1)
    def scorecard(self):
        # /scoring/my/ is a redirect to the partner's own scorecard: read that.
        self.page(f"/scoring/distributors/{OWN}/", "/scoring/distributors/<own>/")

    @task(1)
    def revenue(self):
        self.page("/my/revenue/")


class _Api(FastHttpUser):
    abstract = True
    token_variable = ""
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.headers = {"Authorization": f"Token {os.environ.get(self.token_variable, '')}"}

    def read(self, path, name=None):
        with self.client.get(
            path, name=name or path, headers=self.headers, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} at {path}")


class ManagerApi(_Api):
    token_variable = "BENCH_MANAGER_TOKEN"  # noqa: S105 (an env variable name)
    fixed_count = 1

    @task(3)
    def scorecards(self):
        self.read("/api/v1/scorecards/")

    @task(2)
    def distributors(self):
        self.read("/api/v1/distributors/")

    @task(2)
    def leads(self):
        self.read("/api/v1/leads/")

    @task(1)
    def goals(self):
        self.read("/api/v1/goals/")

    @task(1)
    def revenue(self):
        self.read("/api/v1/revenue/")


class PartnerApi(_Api):
    token_variable = "BENCH_PARTNER_TOKEN"  # noqa: S105 (an env variable name)
    fixed_count = 1

    @task(2)
    def scorecards(self):
        self.read("/api/v1/scorecards/", "/api/v1/scorecards/ (partner)")

    @task(2)
    def leads(self):
        self.read("/api/v1/leads/", "/api/v1/leads/ (partner)")

    @task(1)
    def revenue(self):
        self.read("/api/v1/revenue/", "/api/v1/revenue/ (partner)")


class ThrottleProbe(FastHttpUser):
    wait_time = constant(0)
    fixed_count = 1

    def on_start(self):
        self.headers = {"Authorization": f"Token {os.environ.get('BENCH_PROBE_TOKEN', '')}"}

    @task
    def read(self):
        with self.client.get(
            "/api/v1/distributors/?page_size=1",
            name="throttle probe (200 or 429)",
            headers=self.headers,
            catch_response=True,
        ) as response:
            if response.status_code == 429:
                if response.headers.get("Retry-After"):
                    response.success()
                    self.environment.events.request.fire(
                        request_type="429",
                        name="throttle probe: 429 with Retry-After",
                        response_time=0,
                        response_length=0,
                        exception=None,
                        context={},
                    )
                else:
                    response.failure("429 without Retry-After")
            elif response.status_code != 200:
                response.failure(f"{response.status_code}")
