"""Locust users of the API load run (bench/api_load.py starts them headless on loopback).

Both send the bench manager's token (BENCH_TOKEN) and wait for nothing between requests, so
each measures how fast the server answers back to back:
- BareUser: GET /bench/bare/ (a DRF view doing no work: authentication, permission, JSON);
- ScorecardsUser: GET /api/v1/scorecards/ as BI tools and the portal's pages ask for it: the
  first pages of the ranking, a tier, another ordering, bigger pages, one distributor's card.
"""

import os
import random

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

TOKEN = os.environ.get("BENCH_TOKEN", "")
TIERS = [code for code in os.environ.get("BENCH_TIERS", "").split(",") if code]
CODES = [code for code in os.environ.get("BENCH_CODES", "").split(",") if code]
# The ranking's first pages (at most 5, fewer in a small channel).
PAGES = max(1, min(5, int(os.environ.get("BENCH_PAGES", "5"))))
ORDERINGS = ["rank", "-score", "rank_in_tier", "distributor"]


class _TokenUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Authorization": f"Token {TOKEN}"}

    def get(self, path, name):
        self.client.get(path, name=name, headers=self.headers)


class BareUser(_TokenUser):
    @task
    def bare(self):
        self.get("/bench/bare/", name="bare DRF endpoint")


class ScorecardsUser(_TokenUser):
    @task(6)
    def ranking(self):
        page = random.randint(1, PAGES)  # noqa: S311 (a load pattern, not a secret)
        self.get(f"/api/v1/scorecards/?page={page}", name="/api/v1/scorecards/")

    @task(2)
    def by_tier(self):
        tier = random.choice(TIERS) if TIERS else ""  # noqa: S311
        ordering = random.choice(ORDERINGS)  # noqa: S311
        self.get(f"/api/v1/scorecards/?tier={tier}&ordering={ordering}", name="/api/v1/scorecards/")

    @task(1)
    def big_page(self):
        self.get("/api/v1/scorecards/?page_size=200", name="/api/v1/scorecards/")

    @task(1)
    def one_card(self):
        if CODES:
            code = random.choice(CODES)  # noqa: S311
            self.get(f"/api/v1/scorecards/{code}/", name="/api/v1/scorecards/{code}/")
