"""`manage.py demo_funds`: the demo's market development funds, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from funds.demo import DemoFunds


class Command(BaseCommand):
    help = (
        "Load the demo funds (run demo_data first): a budget co-op fund for the year with an "
        "allocation for each European distributor, an accrual fund of 3 % of last year's "
        "revenue, and requests and claims in every status with their proof files, payments "
        "and the daily job's expiry and reminders. Does nothing when the demo funds exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print one line at the end.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (a demo, not real data).",
        )

    def handle(self, *args, quiet, force, **options):
        try:
            DemoFunds(self.stdout.write).load(quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
