"""The refusal a service raises for a request it will not run: its message is for users."""

from __future__ import annotations


class Refused(ValueError):
    """A request a service refuses (an unknown column, a value out of range): the web tier
    answers 400 with the message, where the user acted; it is never logged as a bug."""
