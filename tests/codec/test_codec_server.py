"""The codec server: Temporal's remote codec protocol, bearer tokens, CORS for the Web UI."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from tests.codec.conftest import ID_NUMBER, NAME
from tests.codec.test_codec import campaign
from warmth.codec import ENCODING, EncryptionCodec, KeyRing, converter, generate_key
from warmth.codec_server import (
    CodecServer,
    generate_token,
    hash_token,
    make_server,
    web_ui_origins,
)

UI = "http://localhost:8233"


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    def json(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.body)
        return data


@pytest.fixture
def token() -> str:
    return generate_token()


@pytest.fixture
def server(keyring: KeyRing, token: str) -> Iterator[CodecServer]:
    srv = make_server(keyring, "127.0.0.1", 0, [hash_token(token)])
    srv.start_background()
    try:
        yield srv
    finally:
        srv.close()


def call(
    server: CodecServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def post(
    server: CodecServer,
    path: str,
    payloads: Payloads | bytes,
    token: str | None,
    **extra: str,
) -> Reply:
    body = payloads if isinstance(payloads, bytes) else json_format.MessageToJson(payloads).encode()
    headers = {"Content-Type": "application/json", "X-Namespace": "default", **extra}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return call(server, "POST", path, body, headers)


async def encrypted(keyring: KeyRing) -> Payloads:
    return Payloads(payloads=await converter(keyring).encode([campaign(), f"{NAME} {ID_NUMBER}"]))


async def test_decode_with_a_valid_token_returns_the_clear_payloads(
    server: CodecServer, keyring: KeyRing, token: str
) -> None:
    sealed = await encrypted(keyring)
    reply = post(server, "/decode", sealed, token)
    assert reply.status == 200
    assert reply.headers.get_content_type() == "application/json"
    assert reply.headers["Cache-Control"] == "no-store"
    # The protocol's JSON: {"payloads": [{"metadata": {name: base64}, "data": base64}]}
    doc = reply.json()
    items = doc["payloads"]
    assert isinstance(items, list) and len(items) == 2
    first = items[0]
    assert base64.b64decode(first["metadata"]["encoding"]) == b"json/plain"
    model = json.loads(base64.b64decode(first["data"]))
    assert model["supervisors"][0]["name"] == NAME
    assert json.loads(base64.b64decode(items[1]["data"])) == f"{NAME} {ID_NUMBER}"
    # And the clear payloads are exactly the converter's.
    clear = json_format.Parse(reply.body, Payloads())
    assert list(clear.payloads) == await EncryptionCodec(keyring).decode(sealed.payloads)


async def test_requests_without_a_valid_token_get_401(
    server: CodecServer, keyring: KeyRing, token: str
) -> None:
    sealed = await encrypted(keyring)
    for bad in (None, "", "wrong-token", token + "x", hash_token(token)):
        reply = post(server, "/decode", sealed, bad)
        assert reply.status == 401, bad
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")
        assert NAME.encode() not in reply.body
    basic = post(server, "/decode", sealed, None, Authorization=f"Basic {token}")
    assert basic.status == 401
    assert post(server, "/encode", sealed, None).status == 401
    # Any case of the scheme is accepted with the right token.
    ok = post(server, "/decode", sealed, None, Authorization=f"bearer {token}")
    assert ok.status == 200


def test_several_tokens_are_accepted(keyring: KeyRing) -> None:
    first, second = generate_token(), generate_token()
    srv = make_server(keyring, "127.0.0.1", 0, [hash_token(first), hash_token(second).upper()])
    srv.start_background()
    try:
        empty = Payloads()
        assert post(srv, "/decode", empty, first).status == 200
        assert post(srv, "/decode", empty, second).status == 200
        assert post(srv, "/decode", empty, "third").status == 401
    finally:
        srv.close()


async def test_encode_then_decode_round_trip(
    server: CodecServer, keyring: KeyRing, token: str
) -> None:
    clear = Payloads(payloads=[Payload(metadata={"encoding": b"json/plain"}, data=b'"x"')])
    reply = post(server, "/encode", clear, token)
    assert reply.status == 200
    sealed = json_format.Parse(reply.body, Payloads())
    assert sealed.payloads[0].metadata["encoding"] == ENCODING
    assert sealed.payloads[0].metadata["encryption-key-id"] == b"k1"
    back = post(server, "/decode", sealed, token)
    assert json_format.Parse(back.body, Payloads()) == clear


async def test_only_the_last_path_segment_counts(
    server: CodecServer, keyring: KeyRing, token: str
) -> None:
    sealed = await encrypted(keyring)
    assert post(server, "/codec/default/decode", sealed, token).status == 200
    assert post(server, "/decode/", sealed, token).status == 200
    assert post(server, "/decode?x=1", sealed, token).status == 200
    assert post(server, "/elsewhere", sealed, token).status == 404


def test_unencrypted_payloads_pass_through(server: CodecServer, token: str) -> None:
    plain = Payloads(payloads=[Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    reply = post(server, "/decode", plain, token)
    assert reply.status == 200
    assert json_format.Parse(reply.body, Payloads()) == plain


async def test_bad_requests_are_refused_without_echoing_them(
    server: CodecServer, keyring: KeyRing, token: str
) -> None:
    reply = post(server, "/decode", f'{{"payloads": [{{"{NAME}": 1}}]}}'.encode(), token)
    assert reply.status == 400
    assert NAME.encode() not in reply.body
    assert post(server, "/decode", b"not json", token).status == 400
    text = post(server, "/decode", b"{}", token, **{"Content-Type": "text/plain"})
    assert text.status == 415
    # A payload sealed with a key the server lacks: 400 naming the key id.
    other = KeyRing(current="k7", keys={"k7": generate_key()})
    foreign = await encrypted(other)
    unknown = post(server, "/decode", foreign, token)
    assert unknown.status == 400
    assert b"'k7'" in unknown.body


def test_cors_preflight_for_the_web_ui(server: CodecServer) -> None:
    reply = call(
        server,
        "OPTIONS",
        "/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )
    assert reply.status == 204
    assert reply.headers["Access-Control-Allow-Origin"] == UI
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip() for h in reply.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-namespace"} <= allowed
    assert reply.headers["Access-Control-Allow-Credentials"] == "true"
    assert reply.headers["Vary"] == "Origin"

    stranger = call(server, "OPTIONS", "/decode", headers={"Origin": "http://evil.example"})
    assert stranger.status == 204
    assert stranger.headers["Access-Control-Allow-Origin"] is None


async def test_cors_headers_on_answers_including_401(
    server: CodecServer, keyring: KeyRing, token: str
) -> None:
    sealed = await encrypted(keyring)
    ok = post(server, "/decode", sealed, token, Origin="http://127.0.0.1:8233")
    assert ok.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8233"
    refused = post(server, "/decode", sealed, None, Origin=UI)
    assert refused.status == 401
    assert refused.headers["Access-Control-Allow-Origin"] == UI
    stranger = post(server, "/decode", sealed, token, Origin="http://evil.example")
    assert stranger.headers["Access-Control-Allow-Origin"] is None


def test_allowed_origins_are_configurable(keyring: KeyRing, token: str) -> None:
    assert web_ui_origins(9000) == {"http://localhost:9000", "http://127.0.0.1:9000"}
    srv = make_server(
        keyring, "127.0.0.1", 0, [hash_token(token)], allowed_origins=["https://ui.example/"]
    )
    srv.start_background()
    try:
        reply = call(srv, "OPTIONS", "/decode", headers={"Origin": "https://ui.example"})
        assert reply.headers["Access-Control-Allow-Origin"] == "https://ui.example"
        local = call(srv, "OPTIONS", "/decode", headers={"Origin": UI})
        assert local.headers["Access-Control-Allow-Origin"] is None
    finally:
        srv.close()


def test_a_server_needs_valid_token_hashes(keyring: KeyRing) -> None:
    with pytest.raises(ValueError, match="at least one"):
        make_server(keyring, "127.0.0.1", 0, [])
    with pytest.raises(ValueError, match="SHA-256"):
        make_server(keyring, "127.0.0.1", 0, ["secret-token-in-clear"])


def test_url_and_token_helpers(server: CodecServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.url.rsplit(":", 1)[1] == str(server.server_address[1])
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert generate_token() != generate_token()
