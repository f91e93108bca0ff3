"""Import specs for revenue and investment files, run by the `ingest` engine.

A spec names the columns, checks a chunk with vectorised pandas operations and says how the
checked rows are published; reading, staging, duplicates and the upsert are the engine's.
"""

import pandas as pd
from django.utils.translation import gettext as _

from ingest import checks
from ingest.spec import Spec

from .codes import currency_codes
from .freshness import data_changed
from .models import (
    MAX_UNITS,
    MONEY_DIGITS,
    CustomerCategory,
    Distributor,
    Investment,
    ProductLine,
    RevenueRecord,
)
from .pricing import priced_pairs_sql
from .revenue_epoch import revenue_changed


class DistributorSpec(Spec):
    """Rows that name a distributor by code; a partner's rows must all name its own."""

    def __init__(self, context):
        super().__init__(context)
        self.distributors = dict(Distributor.objects.values_list("id", "code"))
        self.currencies = dict(Distributor.objects.values_list("id", "currency"))

    def distributor_ids(self, raw, errors):
        codes = raw["distributor"]
        present = checks.required(codes, "distributor", errors)
        scope = self.context.scope_id
        if scope is None:
            mapping = {code.lower(): pk for pk, code in self.distributors.items()}
            unknown = _("unknown distributor code {value}")
        else:
            # Unknown codes and other distributors' codes read the same: a partner learns
            # nothing about which codes exist.
            own = self.distributors.get(scope, "")
            mapping = {own.lower(): scope}
            unknown = _("{value} is not your distributor code (yours is %(code)s)") % {"code": own}
        ids = checks.code_lookup(
            codes.where(present, ""), "distributor", errors, mapping, unknown=unknown
        )
        return ids


class RevenueSpec(DistributorSpec):
    kind = "revenue"
    required = ("distributor", "month", "product_line", "amount")
    optional = ("customer_category", "units", "margin", "currency")
    number_columns = ("amount", "units", "margin")
    stage_columns = (
        ("distributor_id", "integer"),
        ("month", "date"),
        ("product_line_id", "integer"),
        ("customer_category_id", "integer"),
        ("currency", "varchar(3)"),
        ("amount", f"numeric({MONEY_DIGITS}, 2)"),
        ("units", "integer"),
        ("margin", f"numeric({MONEY_DIGITS}, 2)"),
    )
    table = RevenueRecord._meta.db_table
    key = (
        "{t}distributor_id",
        "{t}month",
        "{t}product_line_id",
        "COALESCE({t}customer_category_id, 0)",
    )
    insert_columns = (
        "distributor_id",
        "month",
        "product_line_id",
        "customer_category_id",
        "currency",
        "amount",
        "units",
        "margin",
        "rate",
        "rate_month",
        "reporting_amount",
        "updated_at",
    )
    update_columns = insert_columns[4:]
    references = (
        ("distributor_id", Distributor._meta.db_table),
        ("product_line_id", ProductLine._meta.db_table),
        ("customer_category_id", CustomerCategory._meta.db_table),
    )

    def after_publish(self, stage, *, now):
        # Figures cached from the whole revenue table are stale once these rows commit.
        super().after_publish(stage, now=now)
        revenue_changed()

    def __init__(self, context):
        super().__init__(context)
        self.product_lines = dict(ProductLine.objects.values_list("id", "code"))
        self.categories = dict(CustomerCategory.objects.values_list("id", "code"))

    def parse(self, raw, errors):
        number_format = self.context.number_format
        distributor = self.distributor_ids(raw, errors)
        present = checks.required(raw["month"], "month", errors)
        month = checks.month(
            raw["month"].where(present, ""), "month", errors, latest=self.context.latest_month
        )
        present = checks.required(raw["product_line"], "product_line", errors)
        product_line = checks.code_lookup(
            raw["product_line"],
            "product_line",
            errors,
            {code.lower(): pk for pk, code in self.product_lines.items()},
            unknown=_("unknown product line {value}"),
        )
        category = checks.code_lookup(
            raw["customer_category"],
            "customer_category",
            errors,
            {code.lower(): pk for pk, code in self.categories.items()},
            unknown=_("unknown customer category {value}"),
        )
        checks.required(raw["amount"], "amount", errors)
        amount = checks.decimal(
            raw["amount"], "amount", errors, number_format=number_format, max_digits=MONEY_DIGITS
        )
        units = checks.integer(
            raw["units"].where(raw["units"] != "", "0"),
            "units",
            errors,
            number_format=number_format,
            maximum=MAX_UNITS,
        )
        margin = checks.decimal(
            raw["margin"].where(raw["margin"] != "", "0"),
            "margin",
            errors,
            number_format=number_format,
            max_digits=MONEY_DIGITS,
        )
        above = pd.to_numeric(margin, errors="coerce") > pd.to_numeric(amount, errors="coerce")
        errors.add(above, "margin", _("is larger than the amount"))
        currency = raw["currency"].str.upper()
        blank = currency == ""
        currency = currency.where(~blank, distributor.map(self.currencies).astype("str"))
        errors.add(
            ~blank & ~currency.isin(list(currency_codes())),
            "currency",
            checks.about(raw["currency"], _("is not an ISO 4217 currency code")),
        )
        return pd.DataFrame(
            {
                "distributor_id": distributor,
                "month": month,
                "product_line_id": product_line,
                "customer_category_id": category,
                "currency": currency,
                "amount": amount,
                "units": units,
                "margin": margin,
            }
        )

    def select_sql(self, stage, *, now):
        pairs = f"SELECT DISTINCT currency, month FROM {stage.qname}"  # noqa: S608
        priced, params = priced_pairs_sql(pairs)
        # The few (currency, month) pairs are priced once, then joined to every row.
        sql = f"""
            WITH priced AS MATERIALIZED ({priced})
            SELECT s.distributor_id, s.month, s.product_line_id, s.customer_category_id,
                s.currency, s.amount, s.units, s.margin, pr.rate, pr.rate_month,
                ROUND(s.amount * pr.rate, 2), %s
            FROM {stage.qname} s
            JOIN priced pr ON pr.currency = s.currency AND pr.month = s.month
            WHERE true
        """  # noqa: S608
        return sql, [*params, now]

    def preview(self, staged):
        return [
            {
                "row": int(row.row_no),
                "distributor": self.distributors.get(row.distributor_id, ""),
                "month": pd.Timestamp(row.month).strftime("%Y-%m"),
                "product_line": self.product_lines.get(row.product_line_id, ""),
                "customer_category": self.categories.get(row.customer_category_id, "")
                if pd.notna(row.customer_category_id)
                else "",
                "currency": row.currency,
                "amount": f"{row.amount:.2f}",
                "units": int(row.units),
                "margin": f"{row.margin:.2f}",
            }
            for row in staged.itertuples(index=False)
        ]


class InvestmentSpec(DistributorSpec):
    kind = "investment"
    manufacturer_only = True
    required = ("distributor", "date", "kind", "amount", "value")
    optional = ("note",)
    number_columns = ("amount", "value")
    stage_columns = (
        ("distributor_id", "integer"),
        ("date", "date"),
        ("kind", "varchar(20)"),
        ("amount", "numeric(14, 2)"),
        ("value", f"numeric({MONEY_DIGITS}, 2)"),
        ("note", "varchar(255)"),
    )
    table = Investment._meta.db_table
    key = ("{t}distributor_id", "{t}date", "{t}kind")
    insert_columns = ("distributor_id", "date", "kind", "amount", "value", "note", "updated_at")
    update_columns = ("amount", "value", "note", "updated_at")
    references = (("distributor_id", Distributor._meta.db_table),)

    def after_publish(self, stage, *, now):
        # The scorecards' revenue per unit invested is stale once these rows commit.
        super().after_publish(stage, now=now)
        data_changed("investments")

    def parse(self, raw, errors):
        number_format = self.context.number_format
        distributor = self.distributor_ids(raw, errors)
        present = checks.required(raw["date"], "date", errors)
        day = checks.day(
            raw["date"].where(present, ""), "date", errors, latest=self.context.latest_day
        )
        checks.required(raw["kind"], "kind", errors)
        kind = checks.choice(raw["kind"], "kind", errors, Investment.Kind.values)
        checks.required(raw["amount"], "amount", errors)
        amount = checks.decimal(
            raw["amount"], "amount", errors, number_format=number_format, max_digits=14
        )
        checks.required(raw["value"], "value", errors)
        value = checks.decimal(
            raw["value"], "value", errors, number_format=number_format, max_digits=MONEY_DIGITS
        )
        note = checks.text(raw["note"], "note", errors, max_length=255)
        return pd.DataFrame(
            {
                "distributor_id": distributor,
                "date": day,
                "kind": kind,
                "amount": amount,
                "value": value,
                "note": note,
            }
        )

    def select_sql(self, stage, *, now):
        sql = f"""
            SELECT s.distributor_id, s.date, s.kind, s.amount, s.value, COALESCE(s.note, ''), %s
            FROM {stage.qname} s WHERE true
        """  # noqa: S608
        return sql, [now]

    def preview(self, staged):
        return [
            {
                "row": int(row.row_no),
                "distributor": self.distributors.get(row.distributor_id, ""),
                "date": pd.Timestamp(row.date).date().isoformat(),
                "kind": row.kind,
                "amount": f"{row.amount:.2f}",
                "value": f"{row.value:.2f}",
                "note": "" if pd.isna(row.note) else str(row.note),
            }
            for row in staged.itertuples(index=False)
        ]


SPECS = {}


def register(spec):
    """Add a kind of import; apps above this one register theirs in their ready()."""
    SPECS[spec.kind] = spec
    return spec


register(RevenueSpec)
register(InvestmentSpec)
