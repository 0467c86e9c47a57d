"""Money as the bureau writes it: amounts are kept in fen (分), shown in yuan (元)."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Fen as yuan with exactly two decimals, ``123456`` → ``"1234.56"``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"
