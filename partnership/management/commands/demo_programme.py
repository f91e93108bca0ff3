"""`manage.py demo_programme`: the demo's partner programme (training, agreement), safely
re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from partnership.demo import DemoProgramme


class Command(BaseCommand):
    help = (
        "Load the demo partner programme (run demo_data first): three certifications, seven "
        "courses, small teams for adriatica and atlantique with certificates valid, expiring, "
        "expired and renewed, completions for every other distributor, and two versions of the "
        "partner agreement (the second not accepted by adriatica yet). Does nothing when the "
        "demo courses exist, unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print one line at the end.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo's courses, certifications, completions, reps and agreement, then "
            "load them again.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (a demo, not real data).",
        )

    def handle(self, *args, quiet, replace, force, **options):
        try:
            DemoProgramme(self.stdout.write).load(replace=replace, quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
