"""`python -m cli` is the `quiz` command."""

from cli.main import main

main()
