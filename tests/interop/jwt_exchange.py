"""Exchanges JWTs between Python Ravyn (ravyn==0.4.3) and the Rust `jwt` example.

Usage: python jwt_exchange.py RUST_BASE_URL SECRET

Both sides share SECRET and HS256. A token minted by Python Ravyn's
`Token(sub=..., exp=...).encode(SECRET, "HS256")` must be accepted by the Rust `GET /me`, and an
access token the Rust `POST /auth/token` issues must decode with Python Ravyn's `Token.decode`.
Exits non-zero with a message on the first mismatch.
"""

import json
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from ravyn.security.jwt.token import Token

BASE, SECRET = sys.argv[1], sys.argv[2]


def call(method: str, path: str, headers: dict | None = None, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if body is not None:
        request.add_header("content-type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def fail(message: str) -> None:
    print(f"INTEROP FAIL: {message}")
    sys.exit(1)


# Python Ravyn mints, Rust verifies.
expires = datetime.now(timezone.utc) + timedelta(minutes=5)
python_token = Token(sub="1", exp=expires).encode(key=SECRET, algorithm="HS256")
if isinstance(python_token, bytes):
    python_token = python_token.decode()
status, _, body = call("GET", "/me", {"Authorization": f"Bearer {python_token}"})
if status != 200 or body != {"user": {"id": 1, "email": "alice@example.com"}}:
    fail(f"Rust GET /me with Python Ravyn's token: {status} {body}")

# A Python Ravyn token signed with another secret is refused, with the RFC 6750 challenge.
forged = Token(sub="1", exp=expires).encode(key=SECRET + "-other", algorithm="HS256")
if isinstance(forged, bytes):
    forged = forged.decode()
status, headers, body = call("GET", "/me", {"Authorization": f"Bearer {forged}"})
challenge = {k.lower(): v for k, v in headers.items()}.get("www-authenticate", "")
if status != 401 or not challenge.startswith('Bearer error="invalid_token"'):
    fail(f"Rust GET /me with a token of another secret: {status} {challenge!r} {body}")

# Rust mints, Python Ravyn decodes.
status, _, pair = call("POST", "/auth/token", body={"email": "alice@example.com", "password": "wonderland"})
if status != 201:
    fail(f"Rust POST /auth/token: {status} {pair}")
decoded = Token.decode(token=pair["access_token"], key=SECRET, algorithms=["HS256"])
if str(decoded.sub) != "1":
    fail(f"Python Ravyn decoded the Rust token's sub as {decoded.sub!r}")
if decoded.exp is None:
    fail("Python Ravyn decoded no exp from the Rust token")

print("JWT INTEROP OK: Python Ravyn's token accepted by Rust; Rust's token decoded by Python Ravyn")
