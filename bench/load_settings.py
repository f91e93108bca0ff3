"""Settings of the portal as the API load run serves it: the real settings, plus a bare DRF
endpoint to measure against (bench/load_urls.py). Never used outside `make bench`."""

from drm.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
