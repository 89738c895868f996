"""The benchmark: a programme-sized database, then the figures of issue 9.

Run it with ``make bench`` or ``python -m bench --help``.
"""
