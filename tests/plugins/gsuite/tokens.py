"""Service-account assertions for the sandbox's token endpoint, signed without google-auth so
a test controls every claim (and can sign with the wrong key)."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def signed_jwt(key: rsa.RSAPrivateKey, claims: dict[str, object]) -> str:
    """An RS256 JWT of ``claims`` signed with ``key``."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    head = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64(signature)}"
