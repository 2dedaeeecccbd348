"""Signed, expiring app links: how a Voila app learns who is using it.

Preheated Voila kernels see only the query string, so ``lpt serve`` (or the
authenticating proxy in front of it) puts a short-lived token in the app URL;
the kernel verifies it and maps it to an LPT user. Tokens are signed with the
deployment's secret (itsdangerous, HMAC-SHA512 via URLSafeTimedSerializer),
name the app they were issued for, and expire.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lpt.access.guard import PermissionDenied

__all__ = ["DEFAULT_TTL_SECONDS", "issue_app_token", "verify_app_token"]

DEFAULT_TTL_SECONDS = 8 * 3600  # one shift
_SALT = "lpt-app-link"


def _serializer(secret: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha512})


def issue_app_token(user_id: str, app: str, secret: bytes) -> str:
    """A token saying ``user_id`` may open ``app``."""
    return _serializer(secret).dumps({"user": user_id, "app": app})


def verify_app_token(token: str, app: str, secret: bytes, max_age: int = DEFAULT_TTL_SECONDS) -> str:
    """The user ID in a valid token for ``app``; raises PermissionDenied for a tampered, expired,
    foreign (other secret) or other-app token."""
    try:
        payload = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise PermissionDenied("the app link has expired: ask for a new one") from None
    except BadSignature:
        raise PermissionDenied("the app link is not valid") from None
    if not isinstance(payload, dict) or payload.get("app") != app or not isinstance(payload.get("user"), str):
        raise PermissionDenied(f"the app link is not for the {app} app")
    return payload["user"]
