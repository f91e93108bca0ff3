"""`manage.py demo_incentives`: the demo's rebate and incentive programmes, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from incentives.demo import DemoIncentives


class Command(BaseCommand):
    help = (
        "Load the demo incentives (run demo_data first, and demo_goals for the goal bonuses): "
        "last year's volume rebate with its quarterly advances, a restatement and the true-up "
        "(one negative), this year's growth bonus, a SPIFF and a named distributors' units "
        "rebate, accrued from the demo's revenue, and goal bonuses paid and due. Does nothing "
        "when the demo programmes exist, unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print one line at the end.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo's programmes and bonus payments and load them again.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (a demo, not real data).",
        )

    def handle(self, *args, quiet, replace, force, **options):
        try:
            DemoIncentives(self.stdout.write).load(replace=replace, quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
