"""Django admin of the leads app: the lead sources' names (their codes are what files send)."""

from django.contrib import admin

from .models import LeadSource


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_fr", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_fr")
    fields = ("code", "name", "name_fr", "kind")

    def get_readonly_fields(self, request, obj=None):
        # Marketing tools and MQL files name a source by its code.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "code") if obj is not None else readonly
