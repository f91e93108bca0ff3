"""Recount the lead analytics rollups from the events (a repair: the services keep them exact)."""

import time

from django.core.management.base import BaseCommand

from leads.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recount the monthly lead rollups from the lead events, in one transaction."

    def handle(self, *args, **options):
        start = time.perf_counter()
        rows = rollups_rebuild()
        self.stdout.write(f"{rows} rollup rows in {time.perf_counter() - start:.1f} s")
