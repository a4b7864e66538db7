"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), the second factor of the
administrators: SHA-1, 6 digits, 30-second steps, as every authenticator app expects."""

import base64
import hashlib
import hmac
import secrets
import struct
import time
import urllib.parse

STEP_SECONDS = 30
DIGITS = 6


def random_secret() -> str:
    """160 random bits in base32 without padding (what authenticator apps take)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(secret: str, counter: int) -> str:
    """RFC 4226: HMAC-SHA-1 of the counter, dynamically truncated to DIGITS digits."""
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def step_at(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def totp(secret: str, at: float | None = None) -> str:
    return hotp(secret, step_at(at))


def matching_step(
    secret: str, code: str, *, at: float | None = None, after_step: int = 0, window: int = 1
) -> int | None:
    """The time step whose code ``code`` is (this one, or ``window`` steps either side for a
    clock that drifts), or None. A step not after ``after_step`` is refused: a code works once."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == DIGITS) or not secret:
        return None
    now = step_at(at)
    for step in range(now - window, now + window + 1):
        if step > after_step and hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads (typed in, or as a QR code)."""
    label = urllib.parse.quote(f"{issuer}:{account}")
    query = urllib.parse.urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
