"""The `quiz serve` process: the scorer wired to the broker and the web board it starts.

The top of the service side: it imports the scorer, the brokers and the web board, which
never import each other; the CLI and the demo screen start it.
"""
