"""Dates as the reader writes them (drm.formats): day first in the channel's English and in
French, month first in US English, chosen with the language or the browser; one style per kind."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from drm.formats import (
    date_time,
    format_locale,
    long_date,
    month_range,
    regional_variant,
    short_date,
    spreadsheet_format,
    year_month,
)
from identity.models import UserProfile

ROOT = Path(__file__).resolve().parents[2]
FIRST_OF_FEBRUARY = datetime.date(2026, 2, 1)
EVENING = datetime.datetime(2026, 3, 4, 17, 5, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "short", "long", "when", "month"),
    [
        ("en", "01/02/2026", "1 February 2026", "04/03/2026 17:05", "February 2026"),
        ("en-us", "02/01/2026", "February 1, 2026", "03/04/2026 5:05 PM", "February 2026"),
        ("fr", "01/02/2026", "1er février 2026", "04/03/2026 17:05", "février 2026"),
    ],
)
def test_each_kind_of_date_has_one_style_per_locale(language, short, long, when, month):
    with translation.override(language):
        assert short_date(FIRST_OF_FEBRUARY) == short
        assert long_date(FIRST_OF_FEBRUARY) == long
        assert date_time(EVENING) == when
        assert year_month(FIRST_OF_FEBRUARY) == month
        assert short_date(None) == long_date("") == date_time(None) == year_month(None) == ""


def test_only_the_first_of_the_month_is_1er_in_french():
    with translation.override("fr"):
        assert long_date(datetime.date(2026, 2, 11)) == "11 février 2026"
        assert long_date(datetime.date(2026, 2, 21)) == "21 février 2026"
    with translation.override("en"):
        assert long_date(datetime.date(2026, 2, 1)) == "1 February 2026"


def test_date_times_are_written_in_the_portals_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    with translation.override("fr"), timezone.override("Europe/Paris"):
        assert date_time(EVENING) == "04/03/2026 18:05"
        # Just before midnight UTC is already the next day in Paris.
        assert short_date(datetime.datetime(2026, 3, 4, 23, 30, tzinfo=datetime.UTC)) == (
            "05/03/2026"
        )


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2999, 12, 31)))
def test_a_short_date_reads_back_as_the_same_day_in_the_readers_order(day):
    for language, pattern in (("en", "%d/%m/%Y"), ("fr", "%d/%m/%Y"), ("en-us", "%m/%d/%Y")):
        with translation.override(language):
            assert datetime.datetime.strptime(short_date(day), pattern).date() == day
    with translation.override("fr"):
        assert long_date(day).startswith("1er ") == (day.day == 1)


def test_a_month_range_names_its_two_months_or_one():
    with translation.override("fr"):
        first, last = datetime.date(2025, 4, 1), datetime.date(2026, 3, 1)
        assert month_range(first, last) == "avril 2025 – mars 2026"
        assert month_range(last, last) == "mars 2026"


@pytest.mark.parametrize(
    ("language", "accept", "chosen"),
    [
        ("en", "en-US,en;q=0.9", "en-us"),
        ("en", "en-GB,en-US;q=0.9", "en"),
        ("en", "de-DE,en-US;q=0.5", "en-us"),
        ("en", "", "en"),
        ("fr", "en-US", "fr"),
        ("fr", "fr-CA,fr;q=0.9", "fr"),
        ("en-us", "en-GB", "en-us"),
    ],
)
def test_the_browser_gives_a_language_its_region(language, accept, chosen):
    assert regional_variant(language, accept) == chosen


@pytest.mark.parametrize(
    ("language", "locale", "day", "moment"),
    [
        ("en", "en-GB", "dd/mm/yyyy", "dd/mm/yyyy hh:mm"),
        ("en-us", "en-US", "mm/dd/yyyy", "mm/dd/yyyy h:mm AM/PM"),
        ("fr", "fr-FR", "dd/mm/yyyy", "dd/mm/yyyy hh:mm"),
    ],
)
def test_the_browser_and_spreadsheets_are_told_the_readers_locale(language, locale, day, moment):
    with translation.override(language):
        assert format_locale() == locale
        assert spreadsheet_format() == day
        assert spreadsheet_format("SHORT_DATETIME_FORMAT") == moment


# --- which locale a page is written in -------------------------------------------------------


def run_list(client, **headers):
    return client.get(reverse("scoring:runs"), **headers).content.decode()


@pytest.fixture
def dated_run(db, today):
    from scoring.models import ScoringModel, ScoringRun

    model = ScoringModel.objects.create(version=1)
    return ScoringRun.objects.create(
        model=model,
        as_of=datetime.date(2026, 6, 1),
        status=ScoringRun.Status.PUBLISHED,
        active=None,
    )


@pytest.mark.parametrize(
    ("accept", "written", "locale"),
    [
        ("en-GB,en;q=0.8", "01/06/2026", "en-GB"),
        ("en-US,en;q=0.8", "06/01/2026", "en-US"),
        ("fr-FR,fr;q=0.8", "01/06/2026", "fr-FR"),
        ("de-DE", "01/06/2026", "en-GB"),
    ],
)
def test_a_page_writes_dates_as_the_browser_asks(
    login, manager, dated_run, accept, written, locale
):
    page = run_list(login(manager), HTTP_ACCEPT_LANGUAGE=accept)
    assert written in page
    assert f'data-format-locale="{locale}"' in page


def test_english_chosen_in_the_switcher_keeps_the_browsers_region(login, manager, dated_run):
    client = login(manager)
    client.post(reverse("identity:language"), {"language": "en", "next": "/"})
    assert UserProfile.objects.get(user=manager).language == "en"
    assert "06/01/2026" in run_list(client, HTTP_ACCEPT_LANGUAGE="en-US")
    assert "01/06/2026" in run_list(client, HTTP_ACCEPT_LANGUAGE="en-GB")


def test_us_english_chosen_in_the_profile_wins_over_the_browser(login, manager, dated_run):
    client = login(manager)
    response = client.post(reverse("identity:profile"), {"language": "en-us"})
    assert response.status_code == 302
    page = run_list(client, HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert "06/01/2026" in page and 'lang="en-us"' in page


def test_the_switcher_offers_english_and_french_and_marks_english_for_us_readers(
    login, manager, dated_run
):
    page = run_list(login(manager), HTTP_ACCEPT_LANGUAGE="en-US")
    switcher = page[page.index('id="language-switcher"') :].split("</form>")[0]
    assert re.findall(r'name="language" value="([\w-]+)"', switcher) == ["en", "fr"]
    assert re.search(r'value="en"[^>]*aria-current="true"', switcher)


def test_no_template_picks_a_date_format_of_its_own():
    """Templates write dates with the filters of drm.formats (short_date, long_date, date_time,
    year_month); `|date` is only for the ISO months of links."""
    offending = []
    for path in (ROOT / "templates").rglob("*.*"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"\|date\b(?::(['\"])([^'\"]*)\1)?", line):
                in_link = "href=" in line[: match.start()] and match.group(2) == "Y-m"
                if not in_link:
                    offending.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert offending == []


def test_date_pickers_get_iso_values_in_every_language(login, manager, distributor):
    """A date input reads only ISO 8601: in French, Django's own widget wrote 31/12/2027 there,
    which the browser showed as empty (and a save would have cleared the contract's dates)."""
    page = login(manager).get(
        reverse("distributors:edit", args=[distributor.code]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert 'type="date" name="contract_end" value="2027-12-31"' in page.content.decode()
