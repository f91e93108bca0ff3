"""Django admin of the identity app: partner memberships."""

from django.contrib import admin

from .models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "distributor", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "distributor__code")
    autocomplete_fields = ("user", "distributor")
    list_select_related = ("user", "distributor")
