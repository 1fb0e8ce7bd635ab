"""Who may use the web app: an editor token (finance) and a reader token (analysts).

``clientops serve`` makes two random tokens and prints one URL for each. A request carrying a
valid token in its address (``?token=…``) is redirected to the same address without it and
gets the token in a cookie, so that links, reloads and the browser's back and forward work;
every other request, page, file or websocket, without a valid cookie is refused (401 when no
token came, 403 for a wrong one). The role decides what a session may do: a reader sees
everything, is shown no control that writes, and its book refuses every write.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

COOKIE = "clientops_token"
EDITOR = "editor"
READER = "reader"

Scope = dict[str, Any]


@dataclass(frozen=True)
class Tokens:
    """The two secrets of one server run.

    Attributes:
      editor: lets a browser read and change the book.
      reader: lets a browser read the book only.
    """

    editor: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    reader: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def role(self, token: str | None) -> str | None:
        """``editor``, ``reader`` or None for a token that is neither (compared in constant time)."""
        if not token:
            return None
        found = None
        for role, secret in ((EDITOR, self.editor), (READER, self.reader)):
            if hmac.compare_digest(token.encode(), secret.encode()):
                found = role
        return found


# The tokens of the server running in this process (set by clientops.web.server.serve).
_current: Tokens | None = None


def install(tokens: Tokens) -> None:
    global _current
    _current = tokens


def role_of(token: str | None) -> str | None:
    """The role a session's token gives, with the tokens of the running server."""
    return _current.role(token) if _current is not None else None


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def cookie_token(scope: Scope) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(_header(scope, b"cookie"))
    except Exception:  # a malformed Cookie header is no token
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


class TokenGate:
    """ASGI middleware in front of the whole app (pages, files, websockets)."""

    def __init__(self, app: Any, tokens: Tokens) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((v for k, v in query if k == "token"), None)
        if given is not None and scope["type"] == "http":
            if self.tokens.role(given) is None:
                await _refuse(send, 403)
                return
            # The token moves to a cookie and leaves the address (a shared card link then
            # carries no secret).
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
            cookie = f"{COOKIE}={given}; Path=/; HttpOnly; SameSite=Strict"
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", location.encode("latin-1")),
                                    (b"set-cookie", cookie.encode("latin-1")),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": b""})
            return
        token = cookie_token(scope)
        if self.tokens.role(token) is None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _refuse(send, 401 if token is None else 403)
            return
        if scope["type"] == "http":
            send = _french_not_found(send)
        await self.app(scope, receive, send)


_PAGE = ("<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>clientops</title>"
         "<body style=\"font-family:sans-serif;margin:3em\"><h1>Accès refusé</h1>"
         "<p>{text}</p></body></html>")


_NOT_FOUND = ("<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>clientops</title>"
              "<body style=\"font-family:sans-serif;margin:3em\"><h1>Page introuvable</h1>"
              "<p>Cette adresse ne correspond à aucune page de l'application.</p>"
              "<p><a class=\"co-to-list\" href=\"/clients\">Aller à la liste des clients</a>"
              "</p></body></html>").encode()


def _french_not_found(send: Any) -> Any:
    """``send``, with any 404 answer (Solara's English "Page not found", an unknown file)
    replaced by a French page linking to the client list."""
    replaced = False

    async def wrapped(message: dict[str, Any]) -> None:
        nonlocal replaced
        if message["type"] == "http.response.start" and message.get("status") == 404:
            replaced = True
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                    (b"content-length", str(len(_NOT_FOUND)).encode())]})
            await send({"type": "http.response.body", "body": _NOT_FOUND})
        elif not replaced:
            await send(message)

    return wrapped


async def _refuse(send: Any, status: int) -> None:
    text = ("Ouvrez l'application avec l'adresse complète que la commande "
            "<code>clientops serve</code> a affichée." if status == 401 else
            "Ce lien d'accès n'est pas valable pour ce serveur.")
    body = _PAGE.format(text=text).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


__all__ = ["COOKIE", "EDITOR", "READER", "TokenGate", "Tokens", "install", "role_of"]
