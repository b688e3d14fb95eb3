"""Test-session settings shared by every module."""

import os

from hypothesis import settings
from redis_server import redis_server  # noqa: F401  (a session fixture for every module)

# CI runs the same examples every time, so a red run can be reproduced.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")
