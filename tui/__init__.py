"""The Textual terminal UI (play, host, board)."""
