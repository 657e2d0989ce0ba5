"""The referral rules of a hiring hall, as pure functions over plain data.

Nothing here reads a clock, a file or a database: ``now`` is always a parameter.
"""
