"""Recompute every scorecard now (in this process), as of today or a given date."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from scoring import services


class Command(BaseCommand):
    help = "Recompute and publish the scorecards now, in this process (as the nightly job does)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, as_of=None, quiet=False, **options):
        try:
            day = datetime.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise CommandError("--as-of takes a date: YYYY-MM-DD") from None
        try:
            run = services.scoring_run_create(as_of=day)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        services.scoring_run_execute(run.pk)
        run.refresh_from_db()
        if not quiet:
            self.stdout.write(
                f"run {run.pk} as of {run.as_of}: {run.get_status_display()}, "
                f"{run.counts.get('ranked', 0)} distributors ranked"
            )
