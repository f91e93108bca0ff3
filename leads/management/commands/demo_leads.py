"""`manage.py demo_leads`: two years of demo leads over the demo channel, safely re-runnable."""

from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from leads.demo import LEADS, SEED, DemoLeads


class Command(BaseCommand):
    help = (
        "Load two years of demo leads (run demo_data first): sources, routing, answers, "
        "expiries, qualifications, opportunities, deal registrations, materials and their "
        "rollups. Does nothing when the demo leads exist, unless --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--leads", type=int, default=LEADS, help=f"How many leads (default {LEADS})."
        )
        parser.add_argument(
            "--seed", type=int, default=SEED, help="Seed of the generator (same seed, same data)."
        )
        parser.add_argument("--quiet", action="store_true", help="Print one line at the end.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the demo's own leads and generate them again (dated from now).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even under production settings (a demo, not real data).",
        )

    def handle(self, *args, leads, seed, quiet, replace, force, **options):
        try:
            DemoLeads(self.stdout.write).load(
                leads=leads, seed=seed, replace=replace, quiet=quiet, force=force
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
