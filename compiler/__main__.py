"""Run the agentc command line as `python -m compiler`."""

import sys

from compiler.cli import main

sys.exit(main())
