"""``python -m kinesim``: the same as the ``kinesim`` command."""

import sys

from .cli import main

sys.exit(main())
