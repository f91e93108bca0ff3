"""Write the manufacturer's identity provider from the settings (SSO_STAFF_*): run it at each
deployment, as `migrate` is. Without SSO_STAFF_DOMAINS the provider it wrote is switched off."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from drm.errors import DomainError
from sso import services


class Command(BaseCommand):
    help = "Write the manufacturer's identity provider from the SSO_STAFF_* settings."

    def handle(self, *args, **options):
        try:
            provider = services.staff_provider_sync(config=settings.SSO_STAFF_PROVIDER)
        except DomainError as exc:
            field = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.message}{field}") from exc
        if provider is None:
            self.stdout.write("No staff identity provider in the settings (SSO_STAFF_DOMAINS).")
        elif not provider.is_active:
            self.stdout.write(f"Switched off: {provider.name} (no SSO_STAFF_DOMAINS).")
        else:
            domains = ", ".join(provider.domain_list())
            self.stdout.write(f"Written: {provider.name} ({provider.protocol}) for {domains}.")
