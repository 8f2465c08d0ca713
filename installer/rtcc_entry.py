"""The bundle's entry point: the same `rtcc` command as `pip install .` gives."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
