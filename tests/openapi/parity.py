"""OpenAPI parity with Python Ravyn (ravyn==0.4.3): the same small app, written here for Ravyn and
in parity_app.rs for us, must document the same paths, methods, parameters, request bodies and
statuses, except for the deliberate differences listed in DELIBERATE below.

Usage: python parity.py RUST_DOCUMENT.json
Exits non-zero, printing every difference, when an undeclared one is found.
"""

import asyncio
import json
import sys

from pydantic import BaseModel
from ravyn import Ravyn, Gateway, Include, get, post, put, delete

class Item(BaseModel):
    name: str
    price: float

@get("/items/{item_id}", tags=["items"])
async def read_item(item_id: int, q: str | None = None) -> dict:
    return {}

@get("/items", tags=["items"])
async def list_items(limit: int) -> dict:
    return {}

@post("/items", tags=["items"])
async def create_item(data: Item) -> Item:
    return data

@put("/items/{item_id}", tags=["items"])
async def update_item(item_id: int, data: Item) -> dict:
    return {}

@delete("/items/{item_id}", tags=["items"])
async def delete_item(item_id: int) -> None:
    return None

@get("/health")
async def health() -> dict:
    return {}

@get("/secret", include_in_schema=False)
async def secret() -> dict:
    return {}

app = Ravyn(routes=[Include("/api", routes=[Gateway(handler=read_item), Gateway(handler=list_items), Gateway(handler=create_item), Gateway(handler=update_item), Gateway(handler=delete_item)]), Gateway(handler=health), Gateway(handler=secret)])

async def fetch():
    body = []
    status = {}
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/openapi.json", "raw_path": b"/openapi.json", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test")], "server": ("test", 80), "client": ("127.0.0.1", 1)}
    await app(scope, receive, send)
    return status.get("code"), b"".join(body)
# What we do differently on purpose, each a fix of a Ravyn bug or a documented binder behaviour:
DELIBERATE = {
    # Ravyn documents 422, but answers a failed validation with 400; we document the 400 we send.
    "validation status": ("422", "400"),
    # Our binder reads `data` as JSON or as an urlencoded form, and documents both.
    "body media types": (["application/json"], ["application/json", "application/x-www-form-urlencoded"]),
    # A body of another media type is answered 415, documented where a body is read.
    "415 where a body is read": True,
}


def shape(document: dict) -> dict:
    """What parity compares: per (path, method), parameters, body and statuses."""
    out = {}
    for path, item in document["paths"].items():
        for method, op in item.items():
            params = sorted((p["name"], p["in"], bool(p.get("required", False))) for p in op.get("parameters", []))
            body = op.get("requestBody")
            body = None if body is None else (bool(body.get("required", False)), sorted(body["content"]))
            out[(path, method)] = {"parameters": params, "body": body, "statuses": sorted(op["responses"])}
    return out


def expected_from_ravyn(python: dict) -> dict:
    """Ravyn's shape with the deliberate differences applied."""
    out = {}
    for key, op in shape(python).items():
        op = dict(op)
        statuses = [DELIBERATE["validation status"][1] if s == DELIBERATE["validation status"][0] else s for s in op["statuses"]]
        if op["body"] is not None:
            required, media = op["body"]
            assert media == DELIBERATE["body media types"][0], media
            op["body"] = (required, DELIBERATE["body media types"][1])
            statuses.append("415")
        op["statuses"] = sorted(statuses)
        out[key] = op
    return out


def main() -> int:
    code, body = asyncio.run(fetch())
    if code != 200:
        print(f"PARITY FAIL: Python Ravyn answered {code} for /openapi.json")
        return 1
    python = json.loads(body)
    with open(sys.argv[1]) as f:
        rust = json.load(f)
    expected, ours = expected_from_ravyn(python), shape(rust)
    problems = []
    for key in sorted(set(expected) | set(ours)):
        if key not in ours:
            problems.append(f"{key}: documented by Ravyn, missing from ours")
        elif key not in expected:
            problems.append(f"{key}: ours only")
        else:
            for field in ("parameters", "body", "statuses"):
                if expected[key][field] != ours[key][field]:
                    problems.append(f"{key} {field}: Ravyn (with the deliberate fixes) {expected[key][field]}, ours {ours[key][field]}")
    # Operation ids and summaries follow Ravyn's rules.
    for path, item in python["paths"].items():
        for method, op in item.items():
            theirs = rust["paths"].get(path, {}).get(method, {})
            for field in ("operationId", "summary", "tags"):
                if op.get(field) != theirs.get(field):
                    problems.append(f"{path} {method} {field}: Ravyn {op.get(field)!r}, ours {theirs.get(field)!r}")
    if problems:
        print("PARITY FAIL:\n  " + "\n  ".join(problems))
        return 1
    print(f"PARITY OK: {len(ours)} operations match Python Ravyn 0.4.3 but for the deliberate differences: {', '.join(DELIBERATE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
