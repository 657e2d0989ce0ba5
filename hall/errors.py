"""Errors a user can cause: each carries one sentence to show them."""


class HallError(Exception):
    """A refused operation; ``str(error)`` is one sentence for the user. Nothing was written."""


class NotFound(HallError):
    """An unknown card, book, call, employer or account."""


class Busy(HallError):
    """Another terminal held the database for longer than the wait allows."""


class NoDatabase(HallError):
    """The database file does not exist (yet)."""
