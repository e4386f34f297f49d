"""`python -m orchestration.cli ARGS` runs `ai-index ARGS`."""

import sys

from orchestration.cli.main import main

sys.exit(main())
