"""Passwords (argon2), access tokens (JWT) and operator API keys (SHA-256 of a random secret)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from billbot.errors import AuthError
from billbot.settings import get_settings


@lru_cache
def _hasher() -> PasswordHasher:
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


_ALGORITHM = "HS256"
API_KEY_PREFIX = "bb_"


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether `password` matches; a missing hash never matches."""
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: int, *, secret: str, now: datetime, minutes: int) -> str:
    """A signed access token for `user_id` that expires after `minutes`."""
    claims = {"sub": str(user_id), "iat": int(now.timestamp())}
    claims["exp"] = int((now + timedelta(minutes=minutes)).timestamp())
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_token(token: str, *, secret: str, now: datetime) -> int:
    """The user id in a valid token; AuthError when it is forged, malformed or expired."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "sub"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise AuthError(
            "the access token is not valid; sign in again", code="auth.bad_token"
        ) from exc
    if int(claims["exp"]) <= int(now.timestamp()):
        raise AuthError("the access token has expired; sign in again", code="auth.expired")
    try:
        return int(claims["sub"])
    except ValueError as exc:
        raise AuthError("the access token is not valid", code="auth.bad_token") from exc


def new_api_key() -> tuple[str, str, str]:
    """A fresh operator key: (the key shown once, its lookup prefix, its SHA-256)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:12], hash_api_key(key)


def hash_api_key(key: str) -> str:
    """The stored form of an API key (keys are 256-bit random, so a fast hash is enough)."""
    return hashlib.sha256(key.encode()).hexdigest()
