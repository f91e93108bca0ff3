"""Front-end libraries are vendored, pinned and served by the app: no page loads from a CDN."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

CHART_JS = "vendor/chartjs/4.6.1/chart.umd.min.js"
TOM_SELECT = "vendor/tom-select/2.6.2/tom-select.complete.min.js"
VENDOR = settings.BASE_DIR / "static" / "vendor"
# A script or stylesheet whose address is absolute (http:, https: or protocol-relative).
REMOTE_ASSET = re.compile(r"""<(script|link)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", re.I)


def template_files():
    for directory in settings.TEMPLATES[0]["DIRS"]:
        yield from directory.rglob("*.html")


def test_no_template_loads_a_script_or_stylesheet_from_another_host():
    files = list(template_files())
    assert files
    offenders = [str(path) for path in files if REMOTE_ASSET.search(path.read_text())]
    assert offenders == []


def test_vendored_chart_js_matches_the_checksum_in_the_vendor_readme():
    path = finders.find(CHART_JS)
    assert path, f"{CHART_JS} is not among the static files"
    readme = (settings.BASE_DIR / "static" / "vendor" / "README.md").read_text()
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert f"{digest}  chartjs/4.6.1/chart.umd.min.js" in readme
    assert finders.find("vendor/chartjs/4.6.1/LICENSE.md")


def test_every_vendored_file_is_listed_with_its_checksum_and_matches_it():
    readme = (VENDOR / "README.md").read_text()
    listed = dict(
        (name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)
    )
    present = {str(path.relative_to(VENDOR)) for path in VENDOR.rglob("*") if path.is_file()} - {
        "README.md"
    }
    assert present == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert finders.find("vendor/tom-select/2.6.2/LICENSE")


def test_no_static_file_comes_from_django_admincharts():
    assert "admincharts" not in settings.INSTALLED_APPS
    assert finders.find("admincharts/chart.min.js") is None


@pytest.mark.django_db
def test_chart_pages_load_the_vendored_chart_js_and_nothing_remote(login, manager, distributor):
    client = login(manager)
    for url in (
        reverse("distributors:list"),
        reverse("distributors:detail", args=[distributor.code]),
    ):
        html = client.get(url).content.decode()
        assert f"/static/{CHART_JS}" in html, url
        assert not REMOTE_ASSET.search(html), url


@pytest.mark.django_db
def test_pages_load_the_vendored_tom_select_for_their_pickers(login, manager):
    html = login(manager).get(reverse("goals:create")).content.decode()
    assert f"/static/{TOM_SELECT}" in html
    assert 'data-picker-url="/pickers/distributors/"' in html
    assert not REMOTE_ASSET.search(html)
