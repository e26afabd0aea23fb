"""The client side of the wire contract: what the CLI and the screens share.

One connection factory and one reader per connection (connection.py), one reconnect
helper with failover across brokers (reconnect.py), requests and their replies
(requests.py), answers kept until their verdict (outbox.py), the live views with their
counts folded in (follow.py), the credentials file (credentials.py), and the command-line
options and text every `quiz` command shares (options.py, text.py).
"""
