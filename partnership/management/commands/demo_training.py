"""`manage.py demo_training`: the demo's training catalogue and completions, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from partnership.demo import DemoTraining


class Command(BaseCommand):
    help = (
        "Load the demo training (run demo_data first): three certifications, seven courses, "
        "small teams for adriatica and atlantique with certificates valid, expiring, expired "
        "and renewed, and completions for every other distributor. Does nothing when the demo "
        "courses exist, unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print one line at the end.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo's courses, certifications, completions and reps, then load "
            "them again.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (a demo, not real data).",
        )

    def handle(self, *args, quiet, replace, force, **options):
        try:
            DemoTraining(self.stdout.write).load(replace=replace, quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
