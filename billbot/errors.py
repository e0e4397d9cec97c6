"""Domain errors: each carries a stable code and the HTTP status one handler maps it to.

BillbotError
├── NotFoundError            404  (also what another user's ids look like)
├── ConflictError            409
├── ValidationFailed         422
├── AuthError                401
│   └── ForbiddenError       403
├── TooManyRequests          429
└── PayloadTooLarge          413
"""

from __future__ import annotations

from typing import Any


class BillbotError(Exception):
    """Base of every error a borrower or operator may see."""

    status_code = 400
    code = "error"
    # Whether the request's writes still commit when this error is raised (an audit of the failure).
    keep_changes = False

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON error body: a stable code, a message a person can act on, details."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class NotFoundError(BillbotError):
    status_code = 404
    code = "not_found"


class ConflictError(BillbotError):
    status_code = 409
    code = "conflict"


class ValidationFailed(BillbotError):
    status_code = 422
    code = "invalid"


class AuthError(BillbotError):
    status_code = 401
    code = "auth.required"


class ForbiddenError(AuthError):
    status_code = 403
    code = "auth.forbidden"


class TooManyRequests(BillbotError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, retry_after=retry_after)
        self.retry_after = retry_after


class PayloadTooLarge(BillbotError):
    status_code = 413
    code = "payload_too_large"
