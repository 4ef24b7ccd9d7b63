"""The one kind of error a user can fix: bad input, said in one line.

Every error meant for a person (a bad config field, an unreadable data set, a damaged checkpoint,
a missing device, a bad command line) derives from ``UserError``. The command line prints its
message and exits 2; the window shows it in words, never a traceback. Anything else is a bug and
is reported as one.
"""

from __future__ import annotations


class UserError(ValueError):
    """Bad input, reported in one line (exit code 2 on the command line)."""


def user_message(error: BaseException, *, context: str = "") -> str:
    """What to show a person: a user error's own sentence; for anything else, its type and
    message on one line, after ``context`` ("The run could not start")."""
    if isinstance(error, UserError):
        return str(error)
    lines = str(error).strip().splitlines()
    detail = f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    return f"{context}: {detail}" if context else detail
