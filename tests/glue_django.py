"""Django, configured once per test process for the kit's Django glue (tests/test_kit_glue.py, README's)."""

from __future__ import annotations

import types
from typing import Any

import django
from django.conf import settings
from django.urls import clear_url_caches

#: The URLconf: a test puts its urlpatterns here with :func:`route`.
URLS = types.ModuleType("kit_glue_urls")
URLS.urlpatterns = []  # type: ignore[attr-defined]


def route(urlpatterns: list[Any]) -> None:
    """Configure Django (once) and serve ``urlpatterns`` from now on."""
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="kit-glue-tests-only",
            # api.evil.example passes Django's own Host check, to show that the glue never trusts the Host.
            ALLOWED_HOSTS=["127.0.0.1", "api.evil.example"],
            ROOT_URLCONF=URLS,
            # A signed POST carries no CSRF token: the glue's views are exempt from the check.
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()
    URLS.urlpatterns = urlpatterns  # type: ignore[attr-defined]
    clear_url_caches()
