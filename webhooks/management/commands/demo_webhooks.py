"""`manage.py demo_webhooks`: the demo's webhook subscriptions and their delivery log, safely
re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from webhooks.demo import DemoWebhooks


class Command(BaseCommand):
    help = (
        "Load the demo webhooks (run demo_data first): a channel subscription and one of "
        "adriatica, with a short delivery log; nothing is sent. Does nothing when they exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (a demo, not real data).",
        )

    def handle(self, *args, quiet, force, **options):
        try:
            DemoWebhooks(self.stdout.write).load(quiet=quiet, force=force)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
