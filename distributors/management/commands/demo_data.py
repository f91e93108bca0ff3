"""`manage.py demo_data`: seed the embedded demo with a believable channel, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from distributors.demo import DemoLoader
from drm.errors import DomainError


class Command(BaseCommand):
    help = (
        "Load the demo channel: 40 distributors in 15 countries with 48 months of revenue, "
        "investments, exchange rates and demo logins (password 'drm-demo'). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Print only the demo logins at the end."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (the demo logins have a public password).",
        )

    def handle(self, *args, quiet=False, force=False, verbosity=1, **options):
        try:
            DemoLoader(self.stdout.write).load(quiet=quiet, force=force, verbosity=verbosity)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
