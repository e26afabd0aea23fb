"""The `quiz` command: the CLI's commands and the screens', assembled at the top.

`cli` and `tui` never import each other; this package is the one place that knows both.
"""
