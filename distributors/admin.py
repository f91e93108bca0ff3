"""Django admin for every model of the distributors app."""

from django.contrib import admin

from .models import (
    CustomerCategory,
    Distributor,
    ExchangeRate,
    ImportBatch,
    Investment,
    Membership,
    ProductLine,
    RevenueRecord,
    Territory,
    Tier,
)


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("rank", "code", "name")


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "region")
    list_filter = ("country", "region")
    search_fields = ("code", "name")


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(CustomerCategory)
class CustomerCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "distributor", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "distributor__code")
    autocomplete_fields = ("user", "distributor")
    list_select_related = ("user", "distributor")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "month", "rate")
    list_filter = ("currency",)
    date_hierarchy = "month"


@admin.register(RevenueRecord)
class RevenueRecordAdmin(admin.ModelAdmin):
    list_display = ("distributor", "month", "product_line", "customer_category", "amount", "units")
    list_filter = ("product_line", "customer_category")
    search_fields = ("distributor__code",)
    date_hierarchy = "month"
    autocomplete_fields = ("distributor",)
    list_select_related = ("distributor", "product_line", "customer_category")


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
    exclude = ("content",)
    readonly_fields = ("errors", "preview")
    list_select_related = ("uploaded_by", "distributor")
