"""How a delivery is signed, and how a receiver checks it (the README shows the same).

Headers: ``X-Qingdan-Timestamp`` (Unix seconds when sent) and ``X-Qingdan-Signature``
(``sha256=`` + hex HMAC-SHA256, keyed with the subscription's secret, of the timestamp, a dot
and the body's bytes). Signing the timestamp with the body lets a receiver refuse a replay of
an old delivery; ``X-Qingdan-Event`` and ``X-Qingdan-Delivery`` name the event and the try.
"""

import hashlib
import hmac


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_valid(
    *, secret: str, timestamp: str, body: bytes, signed: str, now: float, tolerance: int = 300
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - moment) > tolerance:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=moment, body=body), signed)
