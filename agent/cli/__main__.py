"""`python -m agent.cli ...` runs the `deskpilot` command."""

from agent.cli import main

main()
