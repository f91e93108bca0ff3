"""`manage.py demo_sso`: the demo's example company sign-in, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from sso.demo import DemoSso


class Command(BaseCommand):
    help = (
        "Load the demo's example identity provider (run demo_data first): adriatica's Microsoft "
        "Entra ID set-up at .example addresses, switched off, so that Company sign-in is not "
        "empty. Does nothing when it exists."
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
            DemoSso(self.stdout.write).load(quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
