"""A spec's column definitions: the one list the header check, the number convention, the
templates and the pages' help read; headers in every language of the portal."""

import pandas as pd
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from distributors.imports import SPECS, InvestmentSpec, RevenueSpec
from drm.errors import ValidationFailed
from drm.exports import FORMULA_STARTS, quote
from ingest.engine import Context
from ingest.spec import unquote


def test_the_column_kinds_are_derived_from_the_definitions():
    assert RevenueSpec.required == ("distributor", "month", "product_line", "amount")
    assert RevenueSpec.optional == ("customer_category", "currency", "units", "margin")
    assert RevenueSpec.ignored == ("reporting_currency", "reporting_amount")
    assert RevenueSpec.number_columns == ("amount", "units", "margin")
    assert InvestmentSpec.column("kind").choices[0][0] == "market_funds"


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_every_column_read_has_a_meaning_a_format_and_an_example(kind):
    for column in SPECS[kind].columns:
        assert str(column.meaning), column.name
        if not column.ignored:
            assert str(column.format_text) and str(column.example), column.name


def frame(headers):
    return pd.DataFrame([["x"] * len(headers)], columns=headers, dtype="str")


@pytest.mark.django_db
def test_french_headers_as_the_french_export_writes_them_are_read_as_the_columns():
    spec = RevenueSpec(Context())
    headers = ["distributeur", "mois", "gamme", "montant", "unites", "montant_reference"]
    spec.check_columns(frame(headers))
    renamed = spec.canonical(frame(headers))
    assert list(renamed.columns) == ["distributor", "month", "product_line", "amount", "units"]
    assert spec.as_in_file("amount") == "montant"
    assert spec.as_in_file("margin") == "margin"


@pytest.mark.django_db
def test_a_column_given_in_two_languages_is_a_repeated_column():
    spec = RevenueSpec(Context())
    with pytest.raises(ValidationFailed) as error:
        spec.check_columns(frame(["distributor", "month", "product_line", "amount", "montant"]))
    assert "repeated column: amount" in error.value.message


def test_the_headers_do_not_depend_on_the_active_language():
    with translation.override("fr"):
        french = RevenueSpec.header_names()
    assert french == RevenueSpec.header_names()


@given(st.text(alphabet=st.sampled_from(["'", "=", "-", "+", "@", "a", "1", " "]), max_size=6))
def test_unquoting_undoes_exactly_what_an_export_quotes(value):
    quoted = quote(value)
    assert not quoted.startswith(FORMULA_STARTS)  # no spreadsheet runs it
    assert unquote(pd.Series([quoted], dtype="str")).iloc[0] == value
