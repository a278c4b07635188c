"""Run the agentc command line as `python -m compiler`."""

from compiler.cli import run

run()
