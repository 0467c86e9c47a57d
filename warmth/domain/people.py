"""Person keys: a keyed hash (HMAC-SHA256) of the ID number.

A person is one record per campaign whoever reported them (一人一档). Keys built from
the ID number with a secret let tables, indexes, ledger streams and logs name a
person without carrying the ID number itself.
"""

from __future__ import annotations

import hmac


def person_key(secret: bytes, id_number: str) -> str:
    # hmac.digest is the one-shot C path: the same HMAC-SHA256, without an HMAC object.
    return hmac.digest(secret, id_number.encode("ascii"), "sha256").hex()[:32]
