"""Import specs for revenue and investment files, run by the `ingest` engine, and the lists of
codes a file may use.

A spec names the columns (their meaning, format and example too: the pages' help and the
templates are read from them), checks a chunk with vectorised pandas operations and says how the
checked rows are published; reading, staging, duplicates and the upsert are the engine's.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from drm.templatetags.money import money, number
from ingest import checks
from ingest.spec import CODE, DATE, INTEGER, MONEY, MONTH, NUMBER, Column, Spec

from .codes import currency_codes
from .freshness import data_changed
from .models import (
    MAX_UNITS,
    MONEY_DIGITS,
    CustomerCategory,
    DataChange,
    Distributor,
    ImportBatch,
    Investment,
    ProductLine,
    RevenueRecord,
    Territory,
)
from .pricing import priced_pairs_sql
from .revenue_epoch import revenue_changed

# Columns more than one kind of file has.
DISTRIBUTOR = Column(
    gettext_noop("distributor"),
    gettext_lazy("The distributor's code. A partner's file names its own distributor only."),
    checks.CODE_FORMAT,
    "atlantique",
    required=True,
    kind=CODE,
    codes="distributors",
)
PRODUCT_LINE = Column(
    gettext_noop("product_line"),
    gettext_lazy("The product line's code."),
    checks.CODE_FORMAT,
    "pumps",
    required=True,
    kind=CODE,
    codes="product_lines",
)
CURRENCY_FORMAT = gettext_lazy("An ISO 4217 currency code: EUR, USD, GBP…")


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
    columns = (
        DISTRIBUTOR,
        Column(
            gettext_noop("month"),
            gettext_lazy("The month the sales were made in."),
            checks.MONTH_FORMAT,
            "2026-03",
            required=True,
            kind=MONTH,
        ),
        PRODUCT_LINE,
        Column(
            gettext_noop("customer_category"),
            gettext_lazy(
                "The kind of customer sold to, when the figures are split by customer; "
                "blank for all customers."
            ),
            checks.CODE_FORMAT,
            "oem",
            kind=CODE,
            codes="customer_categories",
        ),
        Column(
            gettext_noop("currency"),
            gettext_lazy("The currency of amount and margin; blank for the distributor's own."),
            CURRENCY_FORMAT,
            "EUR",
            kind=CODE,
        ),
        Column(
            gettext_noop("amount"),
            gettext_lazy("Net sales of the month, in the row's currency."),
            checks.DECIMAL_FORMAT,
            "12000.00",
            required=True,
            number=True,
            kind=MONEY,
            currency="currency",
        ),
        Column(
            gettext_noop("units"),
            gettext_lazy("Units sold; blank for 0."),
            checks.INTEGER_FORMAT,
            "8",
            number=True,
            kind=INTEGER,
        ),
        Column(
            gettext_noop("margin"),
            gettext_lazy("Gross margin on those sales, at most the amount; blank for 0."),
            checks.DECIMAL_FORMAT,
            "3000.00",
            number=True,
            kind=MONEY,
            currency="currency",
        ),
        Column(
            gettext_noop("reporting_currency"),
            gettext_lazy("Written by the revenue export; ignored on import."),
            ignored=True,
        ),
        Column(
            gettext_noop("reporting_amount"),
            gettext_lazy(
                "Written by the revenue export (the amount in the reporting currency); ignored "
                "on import: it is computed from the month's exchange rate."
            ),
            ignored=True,
        ),
    )
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
    compared = ("currency", "amount", "units", "margin")
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
    columns = (
        DISTRIBUTOR,
        Column(
            gettext_noop("date"),
            gettext_lazy("The day the resource was given."),
            checks.DAY_FORMAT,
            "2026-03-15",
            required=True,
            kind=DATE,
        ),
        Column(
            gettext_noop("kind"),
            gettext_lazy("What was invested."),
            gettext_lazy("One of these codes:"),
            Investment.Kind.TRAINING_DAYS.value,
            required=True,
            kind=CODE,
            choices=tuple(Investment.Kind.choices),
        ),
        Column(
            gettext_noop("amount"),
            gettext_lazy(
                "How much, in the kind's unit: days, units, leads, hours, or money for market "
                "development funds."
            ),
            checks.DECIMAL_FORMAT,
            "2",
            required=True,
            number=True,
            kind=NUMBER,
        ),
        Column(
            gettext_noop("value"),
            gettext_lazy("What it is worth, in the reporting currency."),
            checks.DECIMAL_FORMAT,
            "1600.00",
            required=True,
            number=True,
            kind=MONEY,
        ),
        Column(
            gettext_noop("note"),
            gettext_lazy("A note for people: what it was, for whom."),
            example=gettext_lazy("Pump sizing course, two technicians"),
            max_length=255,
        ),
    )
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
    compared = ("amount", "value", "note")
    references = (("distributor_id", Distributor._meta.db_table),)

    def compare_sql(self, name):
        if name == "note":
            return "COALESCE({s}note, '')", "{t}note"
        return super().compare_sql(name)

    def after_publish(self, stage, *, now):
        # Scorecards computed before these rows commit no longer show the investments.
        super().after_publish(stage, now=now)
        data_changed(DataChange.Source.INVESTMENTS)

    def parse(self, raw, errors):
        number_format = self.context.number_format
        distributor = self.distributor_ids(raw, errors)
        present = checks.required(raw["date"], "date", errors)
        day = checks.day(
            raw["date"].where(present, ""), "date", errors, latest=self.context.latest_day
        )
        checks.required(raw["kind"], "kind", errors)
        kind = self.choice(raw, "kind", errors)
        checks.required(raw["amount"], "amount", errors)
        amount = checks.decimal(
            raw["amount"], "amount", errors, number_format=number_format, max_digits=14
        )
        checks.required(raw["value"], "value", errors)
        value = checks.decimal(
            raw["value"], "value", errors, number_format=number_format, max_digits=MONEY_DIGITS
        )
        note = self.text(raw, "note", errors)
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
# The kinds the shared upload page offers (leads have a page of their own, with its options).
UPLOAD_PAGE_KINDS = []


def register(spec, *, upload_page=False):
    """Add a kind of import; apps above this one register theirs in their ready().

    `upload_page`: offered on the shared upload page (distributors:import-create), where
    `?kind=` preselects it.
    """
    SPECS[spec.kind] = spec
    if upload_page and spec.kind not in UPLOAD_PAGE_KINDS:
        UPLOAD_PAGE_KINDS.append(spec.kind)
    return spec


def upload_page_kinds(*, manufacturer):
    """The kinds the shared upload page offers its reader, in the order they were registered."""
    return [kind for kind in UPLOAD_PAGE_KINDS if manufacturer or not SPECS[kind].manufacturer_only]


register(RevenueSpec, upload_page=True)
register(InvestmentSpec, upload_page=True)


# --- the codes a file may use -------------------------------------------------------------


@dataclass(frozen=True)
class CodeList:
    """Codes a column takes (`Column.codes` names it), listed on the import codes page.

    `rows(user)`: a queryset of objects with `code` and `name` (and `display_name`, the name in
    the reader's language, where there is one) that `user` may see;
    `manufacturer_only`: the list serves only imports partners do not make.
    """

    key: str
    title: str
    rows: object
    manufacturer_only: bool = False


CODE_LISTS = {}


def register_codes(code_list):
    """Add a list of codes; apps above this one register theirs in their ready()."""
    CODE_LISTS[code_list.key] = code_list
    return code_list


register_codes(
    CodeList(
        "distributors",
        gettext_lazy("Distributors"),
        lambda user: Distributor.objects.visible_to(user).only("code", "name").order_by("code"),
    )
)
register_codes(
    CodeList(
        "product_lines",
        gettext_lazy("Product lines"),
        lambda user: ProductLine.objects.only("code", "name", "name_fr").order_by("code"),
    )
)
register_codes(
    CodeList(
        "customer_categories",
        gettext_lazy("Customer categories"),
        lambda user: CustomerCategory.objects.only("code", "name", "name_fr").order_by("code"),
    )
)
register_codes(
    CodeList(
        "territories",
        gettext_lazy("Territories"),
        lambda user: (
            Territory.objects.visible_to(user).only("code", "name", "name_fr").order_by("code")
        ),
    )
)


@dataclass(frozen=True)
class ColumnHelp:
    """One column as the import page explains it, in the active language."""

    name: str
    also: str  # the header in the reader's language, when it differs (exports write it)
    meaning: str
    format: str
    example: str
    codes: str
    choices: tuple


def import_help(spec):
    """The columns of a kind of import for its page: [(group label, [ColumnHelp])], from the
    spec's own column definitions (the parser reads the same ones)."""

    def described(column):
        header = str(column.header())
        return ColumnHelp(
            name=column.name,
            also=header if header != column.name else "",
            meaning=str(column.meaning),
            format=str(column.format_text),
            example=str(column.example),
            codes=column.codes,
            choices=tuple((value, str(label)) for value, label in column.choices),
        )

    groups = [
        (_("Required columns"), [c for c in spec.columns if c.required and not c.ignored]),
        (_("Optional columns"), [c for c in spec.columns if not c.required and not c.ignored]),
        (_("Columns an export writes, ignored on import"), [c for c in spec.columns if c.ignored]),
    ]
    return [(label, [described(c) for c in columns]) for label, columns in groups if columns]


def import_kind_help(kind):
    """What an import page says of a kind of file: its label and columns, from the spec the
    parser reads (a template would call a spec class, so the page gets plain values)."""
    return {
        "kind": kind,
        "label": ImportBatch.Kind(kind).label,
        "groups": import_help(SPECS[kind]),
    }


# --- the preview as the reader sees it ----------------------------------------------------


@dataclass(frozen=True)
class PreviewCell:
    text: str
    old: str = ""  # the stored value it replaces, when it changes one
    changed: bool = False


def import_preview(spec, rows, *, default_currency):
    """(headers, [(row dict, [PreviewCell])]) of a batch's stored preview rows, every value
    written as the reader's language writes it (money with its currency, months, days); a cell
    that changes a stored value carries the old one too."""
    columns = [c for c in spec.columns if not c.ignored]
    table = []
    for row in rows:
        old = row.get("old") or {}
        cells = []
        for column in columns:
            value = row.get(column.name, "")
            currency = (row.get(column.currency) if column.currency else default_currency) or ""
            cells.append(
                PreviewCell(
                    text=display_value(column, value, currency),
                    old=display_value(column, old[column.name], currency)
                    if column.name in old
                    else "",
                    changed=column.name in old,
                )
            )
        table.append((row, cells))
    return [str(c.header()) for c in columns], table


def display_value(column, value, currency=""):
    """One canonical value of a preview ('12000.00', '2026-03') as the reader's locale writes it."""
    if value in (None, ""):
        return ""
    text = str(value)
    try:
        if column.kind == MONEY:
            return money(Decimal(text), currency) if currency else number(Decimal(text), 2)
        if column.kind == NUMBER:
            amount = Decimal(text)
            return number(amount, 0 if amount == amount.to_integral_value() else 2)
        if column.kind == INTEGER:
            return number(int(Decimal(text)))
        if column.kind == MONTH:
            return formats.date_format(
                datetime.date.fromisoformat(text + "-01"), "YEAR_MONTH_FORMAT"
            )
        if column.kind == DATE:
            return formats.date_format(datetime.date.fromisoformat(text), "SHORT_DATE_FORMAT")
    except (ArithmeticError, ValueError):
        return text
    return text
