"""`python -m cli ...`: the same as the `cmx` command."""

import sys

from cli import main

sys.exit(main())
