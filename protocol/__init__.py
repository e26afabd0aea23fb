"""The wire contract of the quiz: topics, message schemas and signatures.

The scorer, the CLI and the TUI all import this package; `docs/protocol.md`
describes the same contract for anyone writing another client.
"""
