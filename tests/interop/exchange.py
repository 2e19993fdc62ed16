"""Exchanges session cookies between Python Ravyn (ravyn==0.4.3) and the Rust login example.

Usage: python exchange.py RUST_BASE_URL SECRET

Both sides share SECRET, the cookie name "session" and max_age 3600. The Rust server must run
with SESSION_FORMAT=ravyn. The Python app is served for real by uvicorn on a free port.
Exits non-zero with a message on the first mismatch.
"""

import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

import uvicorn
from ravyn import Gateway, Ravyn, Request, SessionConfig, get, post

BASE, SECRET = sys.argv[1], sys.argv[2]


@post("/login")
async def login(request: Request) -> dict:
    request.session["user_id"] = 1
    request.session["email"] = "alice@example.com"
    return {"message": "Logged in"}


@get("/whoami")
async def whoami(request: Request) -> dict:
    return dict(request.session)


app = Ravyn(
    routes=[Gateway(handler=login), Gateway(handler=whoami)],
    session_config=SessionConfig(secret_key=SECRET, max_age=3600),
)


def call(base: str, method: str, path: str, cookie: str | None = None, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        request.add_header("content-type", "application/json")
    if cookie is not None:
        request.add_header("cookie", cookie)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers.get_all("set-cookie") or [], json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_all("set-cookie") or [], json.load(error)


def rust(method: str, path: str, cookie: str | None = None, body: dict | None = None):
    return call(BASE, method, path, cookie, body)


def fail(message: str) -> None:
    print(f"INTEROP FAIL: {message}")
    sys.exit(1)


def serve_python() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(100):
        if server.started:
            return f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    fail("uvicorn did not start")
    return ""


PYTHON = serve_python()

# Python -> Rust: a cookie written by Python Ravyn logs the user in on the Rust service.
status, set_cookies, body = call(PYTHON, "POST", "/login")
if status != 201 or not set_cookies:
    fail(f"Python login failed: {status} {body}")
python_pair = set_cookies[0].split(";")[0]
print(f"python wrote: {python_pair[:60]}...")
status, _, body = rust("GET", "/profile", cookie=python_pair)
if status != 200 or body != {"user": {"id": 1, "email": "alice@example.com"}}:
    fail(f"Rust did not accept Python's cookie: {status} {body}")
print("python -> rust: ok", body)

# Rust -> Python: a cookie written by the Rust service is read by Python Ravyn.
status, set_cookies, body = rust(
    "POST", "/login", body={"email": "bob@example.com", "password": "builder"}
)
if status != 201 or not set_cookies:
    fail(f"Rust login failed: {status} {body}")
rust_pair = set_cookies[0].split(";")[0]
print(f"rust wrote: {rust_pair[:60]}...")
status, _, body = call(PYTHON, "GET", "/whoami", cookie=rust_pair)
if body != {"user_id": 2, "email": "bob@example.com"}:
    fail(f"Python did not accept Rust's cookie: {status} {body}")
print("rust -> python: ok", body)

# A cookie signed with another secret is refused on both sides.
status, _, _ = rust("GET", "/profile", cookie=python_pair[:-3] + "xyz")
if status != 401:
    fail(f"Rust accepted a tampered Python cookie: {status}")
print("tampered cookie refused: ok")
print("INTEROP OK")
