"""When a self-paced quiz closes: `quiz create --until "2026-12-20 18:00"` or `--for 3d`.

Pure functions of the text and the clock, so the CLI and the tests read deadlines alike.
"""

from __future__ import annotations

import re
from datetime import datetime

# Units of --for: days, hours, minutes.
UNITS = {"d": 86400, "h": 3600, "m": 60}
# --until's forms, read in the local time zone of the machine that runs `quiz create`.
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as 3d, 12h, 90m or 1d12h; raise ValueError."""
    parts = re.fullmatch(r"(?:\d+[dhm])+", text.strip().lower())
    if parts is None:
        raise ValueError(f"{text!r} is no duration: write it as 3d, 12h, 90m or 1d12h")
    seconds = sum(int(number) * UNITS[unit]
                  for number, unit in re.findall(r"(\d+)([dhm])", text.strip().lower()))
    if seconds <= 0:
        raise ValueError("a self-paced quiz stays open for some time: 0 is none")
    return float(seconds)


def parse_until(text: str) -> float:
    """Seconds since the epoch of a local date and time (2026-12-20 18:00); raise ValueError.

    A date alone is the end of that day (23:59).
    """
    for form in FORMATS:
        try:
            moment = datetime.strptime(text.strip(), form)  # local time, on purpose
        except ValueError:
            continue
        if form == "%Y-%m-%d":
            moment = moment.replace(hour=23, minute=59)
        return moment.timestamp()
    raise ValueError(f"{text!r} is no date: write it as \"2026-12-20 18:00\" (local time)")


def shown(until: float) -> str:
    """A deadline as people read it, in local time."""
    return datetime.fromtimestamp(until).strftime("%Y-%m-%d %H:%M")
