"""Fractional positions for lists people reorder (the player's queue, later playlists).

A position is a string of base-62 digits compared as plain strings (which is how DynamoDB
sorts a sort key), read as a fraction in [0, 1): "V" is about one half. Between any two
positions there is always another, so moving an entry writes only that entry. Positions never
end with the smallest digit "0", which keeps that true. (The midpoint of David Greenspan's
"Implementing Fractional Indexing", without the integer part.)
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ZERO = DIGITS[0]


def is_position(value: str) -> bool:
    return bool(value) and all(ch in DIGITS for ch in value) and not value.endswith(_ZERO)


def between(before: str | None, after: str | None) -> str:
    """A position after ``before`` and before ``after`` (None: the start or the end of the list)."""
    low = before or ""
    if low and not is_position(low):
        raise ValueError(f"not a position: {before!r}")
    if after is not None and not is_position(after):
        raise ValueError(f"not a position: {after!r}")
    if after is not None and low >= after:
        raise ValueError(f"{before!r} is not before {after!r}")
    return _midpoint(low, after)


def _midpoint(low: str, high: str | None) -> str:
    if high is not None:
        shared = 0
        while (low[shared] if shared < len(low) else _ZERO) == high[shared]:
            shared += 1
        if shared:
            return high[:shared] + _midpoint(low[shared:], high[shared:])
    digit_low = DIGITS.index(low[0]) if low else 0
    digit_high = DIGITS.index(high[0]) if high is not None else len(DIGITS)
    if digit_high - digit_low > 1:
        return DIGITS[round((digit_low + digit_high) / 2)]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def spread(before: str | None, after: str | None, count: int) -> list[str]:
    """``count`` increasing positions between ``before`` and ``after`` (adding many songs at once),
    split in halves so they stay short."""
    if count <= 0:
        return []
    middle = between(before, after)
    half = (count - 1) // 2
    return [*spread(before, middle, half), middle, *spread(middle, after, count - 1 - half)]
