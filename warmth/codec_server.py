"""A codec server: lets the Temporal Web UI and CLI show encrypted payloads in clear.

It implements Temporal's remote codec protocol: ``POST …/encode`` and ``POST …/decode``
take and return a ``Payloads`` protobuf as JSON (``{"payloads": [{"metadata":
{"encoding": "<base64>"}, "data": "<base64>"}]}``); only the last path segment is
looked at, so the endpoint may be mounted under any prefix. The ``X-Namespace``
header is ignored: one key ring serves every namespace.

Decoding here puts personal data in clear on the wire, so every ``POST`` must carry
``Authorization: Bearer <token>`` where ``sha256(token)`` (hex) is one of the
configured hashes; otherwise the answer is 401. Tokens themselves are never stored.
CORS preflights (``OPTIONS``) need no token — browsers never send one with them —
and only the configured Web UI origins get CORS headers.

Who can send the token:

* the ``temporal`` CLI: ``--codec-endpoint http://127.0.0.1:PORT --codec-auth 'Bearer <token>'``;
* the Web UI sends ``Authorization: Bearer <its user's OIDC access token>`` only when
  "Pass the user access token" (``codec.passAccessToken``) is on *and* the endpoint is
  ``https://`` — so the dev server's UI (no login, ``http://`` endpoint) never sends a
  token, and its decode requests get 401 (payloads stay shown encrypted).

The server speaks plain HTTP: bind it to loopback (the default) or put TLS in front.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from warmth.codec import CodecError, EncryptionCodec, KeyRing

__all__ = [
    "DEFAULT_PORT",
    "MAX_BODY_BYTES",
    "CodecServer",
    "generate_token",
    "hash_token",
    "make_server",
    "serve",
    "web_ui_origins",
]

DEFAULT_PORT = 8234
"""A default port: next to the dev server's Web UI (8233)."""

MAX_BODY_BYTES = 32 * 1024 * 1024
"""Largest request accepted (Temporal caps a payload at a few MiB; a batch stays below)."""

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_ALLOWED_HEADERS = "authorization, content-type, x-namespace"

log = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    """The hex SHA-256 of a bearer token: what the server is configured with."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_token() -> str:
    """A new random bearer token (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def web_ui_origins(
    ui_port: int = 8233, hosts: Iterable[str] = ("localhost", "127.0.0.1")
) -> frozenset[str]:
    """The browser origins of a local Web UI (``http://localhost:8233`` …)."""
    return frozenset(f"http://{host}:{ui_port}" for host in hosts)


class CodecServer(ThreadingHTTPServer):
    """The HTTP server; create it with :func:`make_server`."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        codec: EncryptionCodec,
        token_hashes: Iterable[str],
        allowed_origins: Iterable[str],
    ) -> None:
        hashes = frozenset(h.strip().lower() for h in token_hashes)
        if not hashes:
            raise ValueError("the codec server needs at least one token hash")
        bad = [h for h in hashes if not _SHA256_HEX.match(h)]
        if bad:
            raise ValueError(f"{len(bad)} token hash(es) are not hex SHA-256 digests")
        self.codec = codec
        self.token_hashes = hashes
        self.allowed_origins = frozenset(o.rstrip("/") for o in allowed_origins)
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """The base URL to give ``--ui-codec-endpoint`` / ``--codec-endpoint``."""
        host, port = self.server_address[:2]
        shown = host if isinstance(host, str) else host.decode()
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}"

    def authorized(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries a configured bearer token."""
        if not header:
            return False
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        digest = hash_token(token)
        # Compare against every hash, without stopping early.
        matches = [hmac.compare_digest(digest, expected) for expected in self.token_hashes]
        return any(matches)

    def start_background(self) -> threading.Thread:
        """Serve in a daemon thread (e.g. beside the dev server); :meth:`close` stops it."""
        if self._thread is not None:
            raise RuntimeError("the codec server is already running")
        self._thread = threading.Thread(
            target=self.serve_forever, args=(0.1,), name="warmth-codec-server", daemon=True
        )
        self._thread.start()
        return self._thread

    def close(self) -> None:
        """Stop serving (if started in the background) and release the socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: CodecServer
    protocol_version = "HTTP/1.1"
    server_version = "warmth-codec"
    sys_version = ""

    # ---- HTTP methods ------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        headers = self._cors_headers()
        if headers:
            headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            headers["Access-Control-Allow-Headers"] = _ALLOWED_HEADERS
            headers["Access-Control-Max-Age"] = "600"
            if self.headers.get("Access-Control-Request-Private-Network") == "true":
                headers["Access-Control-Allow-Private-Network"] = "true"
        self._send(HTTPStatus.NO_CONTENT, b"", headers)

    def do_POST(self) -> None:
        operation = self._operation()
        if operation is None:
            self._error(HTTPStatus.NOT_FOUND, "POST …/encode or …/decode")
            return
        if not self.server.authorized(self.headers.get("Authorization")):
            self._error(
                HTTPStatus.UNAUTHORIZED,
                "a valid 'Authorization: Bearer <token>' header is required",
                {"WWW-Authenticate": 'Bearer realm="warmth-codec"'},
            )
            return
        content_type = self.headers.get_content_type()
        if content_type != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json")
            return
        body = self._read_body()
        if body is None:
            return
        try:
            request = json_format.Parse(body, Payloads())
        except (json_format.ParseError, UnicodeDecodeError, ValueError):
            # The parser's message may quote the body: keep it out of the answer and logs.
            self._error(HTTPStatus.BAD_REQUEST, "the body is not a Payloads JSON message")
            return
        try:
            result = operation(request.payloads)
        except CodecError as exc:  # messages name key ids, never payload contents
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        answer = json_format.MessageToJson(Payloads(payloads=result)).encode("utf-8")
        headers = self._cors_headers()
        headers["Content-Type"] = "application/json"
        headers["Cache-Control"] = "no-store"
        self._send(HTTPStatus.OK, answer, headers)

    # ---- helpers -----------------------------------------------------------------------

    def _operation(self) -> Callable[[Sequence[Payload]], list[Payload]] | None:
        last = urlsplit(self.path).path.rstrip("/").rpartition("/")[2]
        if last == "encode":
            return self.server.codec.encode_payloads
        if last == "decode":
            return self.server.codec.decode_payloads
        return None

    def _read_body(self) -> bytes | None:
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            self._error(HTTPStatus.LENGTH_REQUIRED, "Content-Length is required")
            return None
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
            return None
        body = self.rfile.read(length)
        if len(body) != length:
            self._error(HTTPStatus.BAD_REQUEST, "truncated body")
            return None
        return body

    def _cors_headers(self) -> dict[str, str]:
        origin = self.headers.get("Origin")
        if origin is None or origin.rstrip("/") not in self.server.allowed_origins:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }

    def _error(self, status: HTTPStatus, message: str, extra: dict[str, str] | None = None) -> None:
        # The body of a refused request may not have been read: do not reuse the connection.
        self.close_connection = True
        headers = {**self._cors_headers(), **(extra or {})}
        headers["Content-Type"] = "text/plain; charset=utf-8"
        headers["Connection"] = "close"
        self._send(status, (message + "\n").encode("utf-8"), headers)

    def _send(self, status: HTTPStatus, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.info("codec server: " + format, *args)


def make_server(
    keyring: KeyRing,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    token_hashes: Iterable[str] = (),
    *,
    allowed_origins: Iterable[str] | None = None,
) -> CodecServer:
    """A bound, not yet serving, codec server (``port=0`` picks a free port).

    ``token_hashes`` are hex SHA-256 digests of the accepted bearer tokens (see
    :func:`hash_token`); at least one is required. ``allowed_origins`` defaults to the
    local Web UI (:func:`web_ui_origins`).
    """
    origins = web_ui_origins() if allowed_origins is None else allowed_origins
    return CodecServer((host, port), EncryptionCodec(keyring), token_hashes, origins)


def serve(
    keyring: KeyRing,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    token_hashes: Iterable[str] = (),
    *,
    allowed_origins: Iterable[str] | None = None,
) -> None:
    """Run a codec server in the foreground until interrupted (Ctrl-C)."""
    server = make_server(keyring, host, port, token_hashes, allowed_origins=allowed_origins)
    log.info("codec server listening on %s", server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
