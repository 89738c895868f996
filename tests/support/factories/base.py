"""What every factory shares."""

import itertools

_counter = itertools.count(1)


def sequence() -> int:
    """A number never used before in this test run, for unique names and e-mails."""
    return next(_counter)
