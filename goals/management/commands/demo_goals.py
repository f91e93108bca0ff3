"""`manage.py demo_goals`: a year of demo goals over the demo channel, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from goals.demo import DemoGoals


class Command(BaseCommand):
    help = (
        "Load the demo goals (run demo_data first; demo_leads too, for the lead metrics): team "
        "goals with the distributor goals aligned under them, goals in every status, reviews, "
        "amendments, action steps, the manager's support goals and activity log, and the "
        "partner's contract annex. Does nothing when the demo goals exist."
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
            DemoGoals(self.stdout.write).load(quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
