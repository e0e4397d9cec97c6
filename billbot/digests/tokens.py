"""Signed links for the digest: one-click unsubscribe and preference management without a login.

A token is `v1.<user id>.<signature>`: the signature is an HMAC-SHA256, keyed by the service's
secret key, over the version, the purpose and the user id, so a token made for one purpose or one
borrower cannot be used for another, and checking it needs no database. It is compared in
constant time. Rotating the secret key invalidates every link already sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from billbot.errors import ForbiddenError

VERSION = "v1"
UNSUBSCRIBE = "digest-unsubscribe"


class InvalidDigestToken(ForbiddenError):
    """A digest link whose token is missing, malformed, altered or made for something else."""

    code = "digest.token_invalid"


def _signature(secret: str, purpose: str, user_id: int) -> str:
    message = f"billbot|{VERSION}|{purpose}|{user_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(secret: str, user_id: int, purpose: str = UNSUBSCRIBE) -> str:
    """A link token that lets its holder manage `user_id`'s digest (for `purpose` only)."""
    return f"{VERSION}.{user_id}.{_signature(secret, purpose, user_id)}"


def read_token(secret: str, token: str | None, purpose: str = UNSUBSCRIBE) -> int:
    """The user id a genuine token names; `InvalidDigestToken` (403) for anything else."""
    if not token:
        raise InvalidDigestToken("this link has no token; use the link from your email")
    version, _, rest = token.strip().partition(".")
    user_part, _, signature = rest.partition(".")
    if version != VERSION or not user_part.isdigit() or not signature or len(user_part) > 18:
        raise InvalidDigestToken("this link is not valid; use the link from your latest email")
    user_id = int(user_part)
    expected = _signature(secret, purpose, user_id)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise InvalidDigestToken("this link is not valid; use the link from your latest email")
    return user_id
