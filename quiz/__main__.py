"""`python -m quiz` is the `quiz` command."""

from quiz.main import main

main()
