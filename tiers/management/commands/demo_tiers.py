"""`manage.py demo_tiers`: the demo tiers' requirements and a requalification that proposes tier
changes, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from tiers.demo import DemoTiers


class Command(BaseCommand):
    help = (
        "Load the demo tiers' requirements (run demo_data and demo_programme first) and run the "
        "requalification as of the grace period ago and today, so that upgrades and downgrades "
        "are proposed. Does nothing when requirements exist, unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print one line at the end.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete every requirement, proposal and shortfall, then load them again.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (a demo, not real data).",
        )

    def handle(self, *args, quiet, replace, force, **options):
        try:
            DemoTiers(self.stdout.write).load(replace=replace, quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
