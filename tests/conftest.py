"""Test-session settings shared by every module."""

import os

from hypothesis import settings

# The modules whose fixtures any test may request by name.
pytest_plugins = ["redis_server", "postgres_server", "oauthlib_provider", "xoauth_verifier", "mail_adapters"]

# CI runs the same examples every time, so a red run can be reproduced.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")
