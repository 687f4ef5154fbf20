"""`python -m fakeopenai serve`: the same as the `fakeopenai` command."""

import sys

from ._cli import main

sys.exit(main())
