"""Reading and checking revenue and investment files with pandas.

`parse_file` turns uploaded bytes into a frame of strings; a `Spec` checks one chunk of that frame
at a time and returns clean rows plus an error per bad cell, naming row and column. Nothing here
writes to the database.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pandas as pd

from drm.errors import ValidationFailed

from .models import CustomerCategory, Distributor, Investment, ProductLine

FIRST_DATA_ROW = 2  # spreadsheet numbering: row 1 holds the headers
MAX_STORED_ERRORS = 200


def normalise_header(name):
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def parse_file(filename, content):
    """Bytes of a .csv or .xlsx file → DataFrame of stripped strings with normalised headers."""
    lower = filename.lower()
    if not content:
        raise ValidationFailed("The file is empty.", field="file")
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(
                f"The file is not UTF-8 text (bad byte at position {exc.start}). "
                "Save it as 'CSV UTF-8' and upload it again.",
                field="file",
            ) from exc
        if "\x00" in text:
            raise ValidationFailed("The file is not a text CSV file.", field="file")
        first_line = text.split("\n", 1)[0]
        try:
            delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValidationFailed(f"The CSV file cannot be read: {exc}", field="file") from exc
    elif lower.endswith(".xlsx"):
        try:
            frame = pd.read_excel(io.BytesIO(content), dtype=str, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            raise ValidationFailed(
                "The file is not a readable Excel .xlsx workbook.", field="file"
            ) from exc
        frame = frame.fillna("")
    else:
        raise ValidationFailed("Upload a .csv or .xlsx file.", field="file")
    frame.columns = [normalise_header(c) for c in frame.columns]
    frame = frame.astype(str).apply(lambda col: col.str.strip())
    # Rows that are blank in every cell are spreadsheet noise, not data.
    frame = frame[(frame != "").any(axis=1)]
    return frame


@dataclass
class CheckResult:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def _error(row, column, message):
    return {"row": int(row), "column": column, "message": message}


def _decimal(value):
    try:
        number = Decimal(value.replace(" ", "").replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None
    return number if number.is_finite() else None


class Spec:
    """What one kind of import expects: columns, key, and how to check a row."""

    required: tuple = ()
    optional: tuple = ()
    key: tuple = ()

    def __init__(self, *, only_distributor=None):
        self.only_distributor = only_distributor
        self.distributors = {
            d.code.lower(): d for d in Distributor.objects.only("id", "code", "currency")
        }
        self.seen_keys = {}

    def check_columns(self, frame):
        columns = set(frame.columns)
        missing = [c for c in self.required if c not in columns]
        unknown = [c for c in frame.columns if c not in self.required + self.optional]
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        if problems:
            raise ValidationFailed(
                "Wrong columns: "
                + "; ".join(problems)
                + f". Expected {', '.join(self.required)}"
                + (f" and optionally {', '.join(self.optional)}" if self.optional else "")
                + ".",
                field="file",
            )

    def _distributor(self, code, row, errors):
        if not code:
            errors.append(_error(row, "distributor", "is required"))
            return None
        distributor = self.distributors.get(code.lower())
        if distributor is None:
            errors.append(_error(row, "distributor", f"unknown distributor code '{code}'"))
            return None
        if self.only_distributor is not None and distributor.pk != self.only_distributor.pk:
            errors.append(
                _error(
                    row,
                    "distributor",
                    f"'{code}' is not your distributor; you may only upload figures for "
                    f"{self.only_distributor.code}",
                )
            )
            return None
        return distributor

    def _amount(self, record, column, row, errors, *, required=True, integer=False):
        raw = record.get(column, "")
        if raw == "":
            if required:
                errors.append(_error(row, column, "is required"))
                return None
            return 0 if integer else Decimal(0)
        number = _decimal(raw)
        if number is None:
            errors.append(_error(row, column, f"'{raw}' is not a number"))
            return None
        if number < 0:
            errors.append(_error(row, column, f"{raw} is negative"))
            return None
        if integer:
            if number != number.to_integral_value():
                errors.append(_error(row, column, f"{raw} is not a whole number"))
                return None
            return int(number)
        if abs(number) >= Decimal("1e14"):
            errors.append(_error(row, column, f"{raw} is too large"))
            return None
        return number.quantize(Decimal("0.01"))

    def _dedupe(self, key, row, errors):
        earlier = self.seen_keys.get(key)
        if earlier is not None:
            errors.append(_error(row, "", f"repeats the figures of row {earlier}"))
            return False
        self.seen_keys[key] = row
        return True

    def check(self, chunk, first_row):
        result = CheckResult()
        for offset, record in enumerate(chunk.to_dict("records")):
            row = first_row + offset
            errors = []
            clean = self.check_row(record, row, errors)
            if errors:
                result.errors.extend(errors)
            elif clean is not None and self._dedupe(
                tuple(clean[k] for k in self.key), row, result.errors
            ):
                result.rows.append(clean)
        return result


def parse_month(raw):
    """'2026-03', '2026-03-01', '03/2026' → first day of that month, else None."""
    for pattern in ("%Y-%m", "%Y-%m-%d", "%m/%Y", "%Y/%m"):
        try:
            stamp = pd.to_datetime(raw, format=pattern)
        except (ValueError, TypeError):
            continue
        return stamp.date().replace(day=1)
    # Excel cells come through as '2026-03-01 00:00:00'.
    try:
        stamp = pd.to_datetime(raw, format="%Y-%m-%d %H:%M:%S")
    except (ValueError, TypeError):
        return None
    return stamp.date().replace(day=1)


def parse_day(raw):
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y"):
        try:
            return pd.to_datetime(raw, format=pattern).date()
        except (ValueError, TypeError):
            continue
    return None


class RevenueSpec(Spec):
    required = ("distributor", "month", "product_line", "amount")
    optional = ("customer_category", "units", "margin")
    key = ("distributor_id", "month", "product_line_id", "customer_category_id")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.product_lines = {p.code.lower(): p for p in ProductLine.objects.only("id", "code")}
        self.categories = {c.code.lower(): c for c in CustomerCategory.objects.only("id", "code")}

    def check_row(self, record, row, errors):
        distributor = self._distributor(record.get("distributor", ""), row, errors)
        raw_month = record.get("month", "")
        month = parse_month(raw_month) if raw_month else None
        if not raw_month:
            errors.append(_error(row, "month", "is required"))
        elif month is None:
            errors.append(_error(row, "month", f"'{raw_month}' is not a month like 2026-03"))
        line_code = record.get("product_line", "")
        product_line = self.product_lines.get(line_code.lower()) if line_code else None
        if not line_code:
            errors.append(_error(row, "product_line", "is required"))
        elif product_line is None:
            errors.append(_error(row, "product_line", f"unknown product line '{line_code}'"))
        category_code = record.get("customer_category", "")
        category = None
        if category_code:
            category = self.categories.get(category_code.lower())
            if category is None:
                errors.append(
                    _error(row, "customer_category", f"unknown customer category '{category_code}'")
                )
        amount = self._amount(record, "amount", row, errors)
        units = self._amount(record, "units", row, errors, required=False, integer=True)
        margin = self._amount(record, "margin", row, errors, required=False)
        if errors:
            return None
        return {
            "distributor_id": distributor.pk,
            "month": month,
            "product_line_id": product_line.pk,
            "customer_category_id": category.pk if category else None,
            "amount": amount,
            "units": units,
            "margin": margin,
        }

    @staticmethod
    def display(clean, names):
        return {
            "distributor": names["distributor"].get(clean["distributor_id"], ""),
            "month": clean["month"].strftime("%Y-%m"),
            "product_line": names["product_line"].get(clean["product_line_id"], ""),
            "customer_category": names["customer_category"].get(clean["customer_category_id"], ""),
            "amount": str(clean["amount"]),
            "units": clean["units"],
            "margin": str(clean["margin"]),
        }


class InvestmentSpec(Spec):
    required = ("distributor", "date", "kind", "amount", "value")
    optional = ("note",)
    key = ("distributor_id", "date", "kind")

    def check_row(self, record, row, errors):
        distributor = self._distributor(record.get("distributor", ""), row, errors)
        raw_date = record.get("date", "")
        day = parse_day(raw_date) if raw_date else None
        if not raw_date:
            errors.append(_error(row, "date", "is required"))
        elif day is None:
            errors.append(_error(row, "date", f"'{raw_date}' is not a date like 2026-03-15"))
        kind = record.get("kind", "").lower()
        if not kind:
            errors.append(_error(row, "kind", "is required"))
        elif kind not in Investment.Kind.values:
            errors.append(
                _error(row, "kind", f"'{kind}' is not one of {', '.join(Investment.Kind.values)}")
            )
        amount = self._amount(record, "amount", row, errors)
        value = self._amount(record, "value", row, errors)
        note = record.get("note", "")
        if len(note) > 255:
            errors.append(_error(row, "note", "is longer than 255 characters"))
        if errors:
            return None
        return {
            "distributor_id": distributor.pk,
            "date": day,
            "kind": kind,
            "amount": amount,
            "value": value,
            "note": note,
        }

    @staticmethod
    def display(clean, names):
        return {
            "distributor": names["distributor"].get(clean["distributor_id"], ""),
            "date": clean["date"].isoformat(),
            "kind": clean["kind"],
            "amount": str(clean["amount"]),
            "value": str(clean["value"]),
            "note": clean["note"],
        }


SPECS = {"revenue": RevenueSpec, "investment": InvestmentSpec}
