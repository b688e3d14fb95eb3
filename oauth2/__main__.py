"""``python -m oauth2``: the command line (see :mod:`oauth2.cli`)."""

import sys

from oauth2.cli import main

sys.exit(main())
