"""Price every revenue row again with the stored exchange rates (after REPORTING_CURRENCY changes,
or rates loaded outside the portal)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from distributors import services
from distributors.models import RevenueRecord
from ingest.engine import lock_table


class Command(BaseCommand):
    help = "Re-price revenue in the reporting currency with the stored exchange rates."

    def add_arguments(self, parser):
        parser.add_argument("--currency", help="only rows reported in this ISO 4217 currency")

    def handle(self, *args, currency=None, **options):
        with transaction.atomic():
            lock_table(RevenueRecord._meta.db_table)
            changed = services.revenue_reprice(currency=(currency or "").upper() or None)
        missing = RevenueRecord.objects.filter(reporting_amount__isnull=True).count()
        self.stdout.write(
            f"{changed} {'row' if changed == 1 else 'rows'} re-priced; "
            f"{missing} {'row' if missing == 1 else 'rows'} still lack a rate."
        )
