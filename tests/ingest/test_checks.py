"""Vectorised checks: numbers are read one way or refused, months and limits are enforced."""

import datetime

import pandas as pd
import pytest

from ingest import checks


def run(check, values, **options):
    raw = pd.Series(values, dtype="str")
    errors = checks.RowErrors(pd.Series(range(2, 2 + len(values))))
    parsed = check(raw, "amount", errors, **options)
    return parsed.tolist(), errors.frame()


def test_a_comma_in_1_250_is_a_thousands_separator_in_a_point_file():
    values, errors = run(checks.decimal, ["1,250"], number_format="point", max_digits=16)
    assert values == ["1250.00"]
    assert errors.empty


def test_a_comma_in_1_250_is_the_decimal_point_in_a_comma_file():
    values, errors = run(checks.decimal, ["1,250"], number_format="comma", max_digits=16)
    assert values == ["1.25"]
    assert errors.empty


def test_1_250_is_refused_when_the_file_shows_no_convention():
    values, errors = run(checks.decimal, ["1,250", "1250"], number_format=None, max_digits=16)
    assert pd.isna(values[0])
    assert values[1] == "1250.00"  # reads the same either way
    assert errors["row"].tolist() == [2]
    assert "could be read two ways" in errors["message"].iloc[0]


def test_the_convention_is_detected_from_values_that_prove_it():
    assert checks.detect_number_format(pd.Series(["1,250", "3,400.50"], dtype="str")) == "point"
    assert checks.detect_number_format(pd.Series(["1.250", "3.400,50"], dtype="str")) == "comma"
    assert checks.detect_number_format(pd.Series(["1,250", "12"], dtype="str")) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1 234.56", "1234.56"), ("1'234.56", "1234.56"), ("1\u00a0234.5", "1234.50")],
)
def test_spaces_and_apostrophes_group_thousands(value, expected):
    values, errors = run(checks.decimal, [value], number_format="point", max_digits=16)
    assert values == [expected]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,2345", "not a number in the 1,234.56 format"),
        ("12,34", "not a number in the 1,234.56 format"),
        ("1.255", "has more than 2 decimals"),
        ("-5", "is negative"),
        ("abc", "not a number"),
    ],
)
def test_bad_numbers_are_refused_with_the_value_named(value, message):
    values, errors = run(checks.decimal, [value], number_format="point", max_digits=16)
    assert pd.isna(values[0])
    assert f"'{value}'" in errors["message"].iloc[0]
    assert message in errors["message"].iloc[0]


def test_the_largest_value_of_the_column_passes_and_one_more_digit_is_refused():
    values, errors = run(
        checks.decimal,
        ["99,999,999,999,999.99", "100000000000000"],
        number_format="point",
        max_digits=16,
    )
    assert values[0] == "99999999999999.99"
    assert pd.isna(values[1])
    assert "too large" in errors["message"].iloc[0]


def test_trailing_zero_decimals_are_exact_and_accepted():
    values, errors = run(checks.decimal, ["1250.000"], number_format="point", max_digits=16)
    assert values == ["1250.00"]


def test_units_stop_at_the_integer_column_limit():
    values, errors = run(
        checks.integer,
        ["2147483647", "2147483648", "1.5"],
        number_format="point",
        maximum=2147483647,
    )
    assert values[0] == 2147483647
    assert pd.isna(values[1]) and pd.isna(values[2])
    assert len(errors) == 2


def test_spreadsheet_number_cells_ignore_the_separator_convention():
    values, errors = run(
        checks.decimal, [checks.TYPED_NUMBER + "1250.5"], number_format="comma", max_digits=16
    )
    assert values == ["1250.50"]


def test_months_in_the_future_are_refused():
    raw = pd.Series(["2026-10", "10/2026", "2026-11", "2026-12", "2026-13"], dtype="str")
    errors = checks.RowErrors(pd.Series(range(2, 7)))
    months = checks.month(raw, "month", errors, latest=datetime.date(2026, 11, 1))
    assert months.iloc[0] == months.iloc[1] == pd.Timestamp("2026-10-01")
    assert months.iloc[2] == pd.Timestamp("2026-11-01")
    assert errors.frame()["row"].tolist() == [5, 6]
    assert "in the future" in errors.frame()["message"].iloc[0]
