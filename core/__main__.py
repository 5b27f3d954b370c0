"""``python -m plams_core``: the master script (see :mod:`plams_core.master`)."""

import sys

from .master import main

if __name__ == "__main__":
    sys.exit(main())
