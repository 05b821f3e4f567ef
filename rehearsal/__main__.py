"""`python -m rehearsal`: see rehearsal/rehearse.py."""

import sys

from rehearsal.rehearse import main

sys.exit(main())
