"""python -m gdgrade: the same as the `gdgrade` command."""

import sys

from gdgrade.apps import main

sys.exit(main())
