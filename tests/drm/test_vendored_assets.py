"""Front-end libraries are vendored, pinned and served by the app: no page loads from a CDN."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

CHART_JS = "vendor/chartjs/4.6.1/chart.umd.min.js"
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
