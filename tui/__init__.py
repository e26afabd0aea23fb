"""The Textual terminal UI: `quiz play`, `quiz board`, `quiz host` and `quiz demo`."""
