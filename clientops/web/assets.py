"""The app's static files (Solara's scripts, styles and fonts, the widgets' modules), compressed
once and kept in memory.

Solara's server compresses every response as it sends it (Starlette's ``GZipMiddleware``, level
9): its 2.1 MB script bundle and 1 MB of styles cost ~0.6 s of the server's CPU for every new
tab, on the event loop that also carries every session's messages. :class:`StaticCache` reads
each static file once through the app, keeps its bytes and their gzip form, and answers the
next requests from memory, with an ``ETag`` (a ``304`` when the browser has it) and cache
headers: versioned addresses (``/_solara/cdn/<package>@<version>/…``, ``?v=<hash>``) are kept
by the browser for a year, the others are checked with their ``ETag`` each time.

Only ``200`` answers to ``GET`` are kept, by path (a query string does not make another copy):
the files are those installed with Solara, a few MB in all.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from dataclasses import dataclass
from typing import Any

Scope = dict[str, Any]

PREFIXES = ("/_solara/cdn/", "/static/", "/jupyter/nbextensions/")
# What is worth compressing (fonts and images are compressed already).
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
LARGEST = 16 * 1024 * 1024  # a file larger than this is served as Solara serves it
IMMUTABLE = b"private, max-age=31536000, immutable"
REVALIDATE = b"private, no-cache"
_VERSIONED_CDN = re.compile(r"^/_solara/cdn/(@[^/]+/)?[^/@]+@[^/]+/")


@dataclass(frozen=True)
class Kept:
    """One static file as the browser gets it.

    Attributes:
      headers: the answer's headers, without length, encoding or cache headers.
      body: the bytes of the file.
      gzipped: the gzip form of ``body`` (None when not worth it).
      etag: the file's ``ETag`` (Solara's).
      versioned: the address names a version: the browser may keep it for a year.
    """

    headers: list[tuple[bytes, bytes]]
    body: bytes
    gzipped: bytes | None
    etag: bytes
    versioned: bool


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return b""


def versioned(path: str, query: bytes) -> bool:
    """Whether an address names its version (the file behind it never changes)."""
    return bool(_VERSIONED_CDN.match(path)) or b"v=" in query


class StaticCache:
    """ASGI middleware: Solara's static files compressed once and answered from memory."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.kept: dict[str, Kept] = {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                or not path.startswith(PREFIXES)):
            await self.app(scope, receive, send)
            return
        kept = self.kept.get(path)
        if kept is None:
            status, headers, body = await self._read(scope, receive)
            if status != 200 or len(body) > LARGEST:
                await _answer(send, status, headers, body, scope)
                return
            # compressed in a worker thread: the event loop carries every session's messages
            kept = await asyncio.to_thread(_keep, headers, body,
                                           versioned(path, scope.get("query_string", b"")))
            self.kept[path] = kept
        await self._serve(kept, scope, send)

    async def _read(self, scope: Scope, receive: Any) -> tuple[int, list[tuple[bytes, bytes]],
                                                                bytes]:
        """The whole answer of the app, uncompressed and unconditional."""
        plain = [(k, v) for k, v in scope.get("headers", [])
                 if k.lower() not in (b"accept-encoding", b"if-none-match", b"if-modified-since",
                                      b"range")]
        inner = {**scope, "method": "GET", "headers": plain}
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []

        async def collect(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                parts.append(bytes(message.get("body", b"")))

        await self.app(inner, receive, collect)
        return status, headers, b"".join(parts)

    async def _serve(self, kept: Kept, scope: Scope, send: Any) -> None:
        cache = IMMUTABLE if kept.versioned else REVALIDATE
        common = [*kept.headers, (b"etag", kept.etag), (b"cache-control", cache),
                  (b"vary", b"Accept-Encoding")]
        if kept.etag and kept.etag in _header(scope, b"if-none-match"):
            await send({"type": "http.response.start", "status": 304, "headers": common})
            await send({"type": "http.response.body", "body": b""})
            return
        body = kept.body
        if kept.gzipped is not None and b"gzip" in _header(scope, b"accept-encoding"):
            body = kept.gzipped
            common.append((b"content-encoding", b"gzip"))
        common.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": common})
        await send({"type": "http.response.body",
                    "body": b"" if scope.get("method") == "HEAD" else body})


def _keep(headers: list[tuple[bytes, bytes]], body: bytes, is_versioned: bool) -> Kept:
    dropped = (b"content-length", b"content-encoding", b"etag", b"cache-control", b"vary",
               b"accept-ranges")
    kept_headers = [(k, v) for k, v in headers if k.lower() not in dropped]
    etag = next((v for k, v in headers if k.lower() == b"etag"), b"")
    kind = next((v for k, v in headers if k.lower() == b"content-type"), b"").decode("latin-1")
    gzipped = None
    if len(body) > 1000 and kind.startswith(COMPRESSIBLE):
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    return Kept(kept_headers, body, gzipped, etag, is_versioned)


async def _answer(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes,
                  scope: Scope) -> None:
    """An answer that is not kept, sent as the app gave it (uncompressed)."""
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body",
                "body": b"" if scope.get("method") == "HEAD" else body})


__all__ = ["StaticCache", "Kept", "versioned"]
