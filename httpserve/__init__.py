"""A small HTTP/1.1 server on asyncio streams, for the scorer's metrics and the web board.

At the bottom of the layers beside `protocol/`: it knows nothing of the quiz.
"""
