"""`python -m cli` is the `quiz` command, as it always was (the bench and scripts use it)."""

from quiz.main import main

main()
