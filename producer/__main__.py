"""Entry point: `python -m producer --stream NAME ...` (see producer/cli.py)."""

import sys

from producer.cli import main

sys.exit(main())
