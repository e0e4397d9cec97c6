"""What WhatsApp Cloud API and Messenger share: Meta's webhook signature, handshake and errors."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from channels._base import as_dict, http_status_error, response_json
from channels._inbound import HandshakeResponse, InboundRequest
from channels.errors import (
    DeliveryError,
    FailureReason,
    PermanentError,
    RateLimited,
    SignatureError,
    TransientError,
)

__all__ = ["GraphErrorRules", "graph_error", "hub_handshake", "verify_hub_signature"]

SIGNATURE_HEADER = "X-Hub-Signature-256"


def verify_hub_signature(request: InboundRequest, app_secret: str) -> None:
    """Check `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`."""
    header = request.headers.get(SIGNATURE_HEADER)
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    scheme, _, received = header.strip().partition("=")
    if scheme.lower() != "sha256" or not received:
        raise SignatureError(f"{SIGNATURE_HEADER} is not a sha256 signature")
    expected = hmac.new(app_secret.encode(), request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(received.lower().encode(), expected.encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")


def hub_handshake(request: InboundRequest, verify_token: str) -> HandshakeResponse | None:
    """Answer Meta's `GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...` handshake."""
    if request.method != "GET" or "hub.mode" not in request.query:
        return None
    token = request.query.get("hub.verify_token", "")
    if request.query["hub.mode"] != "subscribe" or not hmac.compare_digest(
        token.encode(), verify_token.encode()
    ):
        raise SignatureError("webhook verification token does not match")
    return HandshakeResponse(status=200, body=request.query.get("hub.challenge", ""))


@dataclass(frozen=True, slots=True)
class GraphErrorRules:
    """How one Graph API product's error codes map onto our error classes."""

    permanent: Mapping[int | tuple[int, int], FailureReason] = field(default_factory=dict)
    rate_limited: frozenset[int] = frozenset({4, 17, 32, 613, 80007, 130429, 131056})
    transient: frozenset[int] = frozenset({1, 2})


def graph_error(
    response: httpx.Response, rules: GraphErrorRules, *, retry_after: float | None
) -> DeliveryError:
    """Classify a Graph API error body `{"error": {"code", "error_subcode", "message"}}`."""
    error = as_dict(response_json(response).get("error"))
    code, subcode = _as_int(error.get("code")), _as_int(error.get("error_subcode"))
    details = error.get("error_data")
    detail = str(error.get("message") or response.reason_phrase or response.status_code)
    if isinstance(details, dict) and details.get("details"):
        detail = f"{detail}: {details['details']}"
    provider_code = None if code is None else str(code)
    if subcode is not None and provider_code is not None:
        provider_code = f"{code}/{subcode}"
    reason = rules.permanent.get((code, subcode)) if code is not None and subcode else None
    reason = reason or (rules.permanent.get(code) if code is not None else None)
    if reason is not None:
        return PermanentError(reason, detail, provider_code=provider_code)
    if code in rules.rate_limited or response.status_code == 429:
        return RateLimited(retry_after, detail, provider_code=provider_code)
    if code in rules.transient or response.status_code >= 500:
        return TransientError(detail, provider_code=provider_code)
    return http_status_error(response, detail, retry_after=retry_after, code=provider_code)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
