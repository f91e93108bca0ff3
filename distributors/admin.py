"""Django admin for every model of the distributors app (and the memberships inline)."""

from django.contrib import admin

from identity.models import Membership

from . import services
from .models import (
    CustomerCategory,
    Distributor,
    ExchangeRate,
    ImportBatch,
    Investment,
    ProductLine,
    Region,
    RevenueRecord,
    Territory,
    Tier,
)


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("rank", "code", "name", "name_fr")
    fields = ("code", "name", "name_fr", "rank", "accept_hours", "lead_weight", "max_open_leads")


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_fr", "country", "region")
    list_filter = ("country", "region")
    search_fields = ("code", "name", "name_fr")
    fields = ("code", "name", "name_fr", "country", "region")


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_fr", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_fr")
    fields = ("code", "name", "name_fr", "is_active")


@admin.register(CustomerCategory)
class CustomerCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_fr")
    search_fields = ("code", "name", "name_fr")
    fields = ("code", "name", "name_fr")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """A region's French name; distributors and territories write the English name."""

    list_display = ("name", "name_fr")
    search_fields = ("name", "name_fr")
    fields = ("name", "name_fr")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Distributor)
class DistributorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "tier", "status", "currency", "account_manager")
    list_filter = ("status", "tier", "country", "account_manager")
    search_fields = ("code", "name")
    filter_horizontal = ("territories", "product_lines")
    inlines = [MembershipInline]
    list_select_related = ("tier", "account_manager")

    def get_readonly_fields(self, request, obj=None):
        # Imports, API clients and other systems know a distributor by its code.
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "code") if obj is not None else readonly


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Saving or deleting a rate here re-prices revenue, as the exchange-rate page does."""

    list_display = ("currency", "month", "rate")
    list_filter = ("currency",)
    date_hierarchy = "month"

    def save_model(self, request, obj, form, change):
        services.exchange_rate_set(
            currency=obj.currency, month=obj.month, rate=obj.rate, by=request.user
        )

    def delete_model(self, request, obj):
        services.exchange_rate_delete(rate=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for rate in queryset:
            services.exchange_rate_delete(rate=rate, by=request.user)


@admin.register(RevenueRecord)
class RevenueRecordAdmin(admin.ModelAdmin):
    list_display = ("distributor", "month", "product_line", "customer_category", "amount", "units")
    list_filter = ("product_line", "customer_category")
    search_fields = ("distributor__code",)
    date_hierarchy = "month"
    autocomplete_fields = ("distributor",)
    list_select_related = ("distributor", "product_line", "customer_category")

    # Figures arrive by import or API push (priced, checked); deletions go through the API,
    # which records them. The admin only shows them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Investment)
class InvestmentAdmin(admin.ModelAdmin):
    list_display = ("distributor", "date", "kind", "amount", "value")
    list_filter = ("kind",)
    search_fields = ("distributor__code",)
    date_hierarchy = "date"
    autocomplete_fields = ("distributor",)
    list_select_related = ("distributor",)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "filename", "status", "uploaded_by", "distributor", "created_at")
    list_filter = ("kind", "status")
    exclude = ("content", "errors_csv")
    readonly_fields = ("errors", "preview")
    list_select_related = ("uploaded_by", "distributor")
