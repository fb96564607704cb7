"""Who may change the corpus: one gate for every action that adds to it or deletes from it (upload,
web-page fetch, pasted text, delete), shared by the app and any other front end that serves people
over a network.

The rule:

- an editor credential is configured (FACTCHECK_EDITOR_PASSWORD, or `editor_password_hash` in
  Streamlit secrets): only a signed-in editor may change the corpus, wherever the app listens;
- no credential, and the app listens on loopback only (127.0.0.1, ::1, localhost, a Unix socket):
  everyone may, as on a personal laptop (only that machine reaches the page);
- no credential, and the app listens beyond loopback (0.0.0.0, ::, an interface's address, a
  host name that is not loopback, or no address at all, which means every interface): the corpus
  is read-only, unless FACTCHECK_OPEN_CORPUS opens it to everyone on a trusted network.

Asking and checking claims are never gated. The CLI and the Python API are local tools and are
not gated either.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from retrieval.errors import FactcheckError

ENABLE_EDITING = ("To enable editing, set an editor password (FACTCHECK_EDITOR_PASSWORD, or editor_password_hash "
                  "in .streamlit/secrets.toml) and restart the app; or serve it on 127.0.0.1 only.")
OPEN_ON_PURPOSE = "On a trusted network, FACTCHECK_OPEN_CORPUS=true opens the corpus to everyone instead."


class EditingRefused(FactcheckError):
    """A change to the corpus by someone who may not make it."""


def _resolve(host: str) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def is_loopback(address: str | None, resolve: Callable[[str], list[str]] = _resolve) -> bool:
    """Whether a server listening on `address` is reachable from this machine only.

    Empty or None is every interface. A host name counts as loopback only if every address it
    resolves to is a loopback one (a name that does not resolve counts as exposed)."""
    address = (address or "").strip()
    if not address:
        return False
    if address.startswith("unix://"):
        return True
    host = address[1:-1] if address.startswith("[") and address.endswith("]") else address
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        pass
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        found = resolve(host)
    except (OSError, UnicodeError):
        return False
    try:
        return bool(found) and all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in found)
    except ValueError:
        return False


@dataclass(frozen=True)
class CorpusAccess:
    """The decision for one server: where it listens, whether an editor credential is configured
    and whether the corpus was opened to everyone on purpose."""

    address: str | None
    editor_configured: bool
    open_corpus: bool = False
    resolve: Callable[[str], list[str]] = _resolve

    @cached_property
    def exposed(self) -> bool:
        """Reachable from other machines (as far as the listening address tells)."""
        return not is_loopback(self.address, self.resolve)

    @property
    def mode(self) -> str:
        """'editor' (a signed-in editor may change the corpus), 'open' (everyone may: loopback,
        or the open-corpus setting) or 'read-only'."""
        if self.editor_configured:
            return "editor"
        if not self.exposed or self.open_corpus:
            return "open"
        return "read-only"

    def allows(self, editor_signed_in: bool) -> bool:
        mode = self.mode
        return mode == "open" or (mode == "editor" and editor_signed_in)

    def check(self, editor_signed_in: bool, action: str = "change the corpus") -> None:
        """Raise EditingRefused unless this person may make the change; call it before every
        change to the corpus, whether or not the page showed the control."""
        if self.allows(editor_signed_in):
            return
        if self.mode == "editor":
            raise EditingRefused(f"Only a signed-in editor can {action}: sign in first.")
        raise EditingRefused(f"This server is reachable from the network and no editor password is set, so the "
                             f"corpus is read-only: nobody can {action} here. {ENABLE_EDITING} {OPEN_ON_PURPOSE}")

    def notice(self) -> str | None:
        """A line (Markdown) for the page when the network changes who may edit; None otherwise."""
        if self.mode == "read-only":
            return ("**Read-only corpus.** This server is reachable from the network and no editor password is "
                    "set, so nobody can add or delete sources here; asking and checking claims work. To enable "
                    "editing, set an editor password (`FACTCHECK_EDITOR_PASSWORD`, or `editor_password_hash` in "
                    "`.streamlit/secrets.toml`) and restart the app, or serve it on 127.0.0.1 only. On a trusted "
                    "network, `FACTCHECK_OPEN_CORPUS=true` opens the corpus to everyone instead.")
        if self.mode == "open" and self.exposed:
            return ("**The corpus is open to everyone.** This server is reachable from the network and "
                    "`FACTCHECK_OPEN_CORPUS` is on: anyone who can reach it can add and delete sources. "
                    "Set an editor password to restrict that.")
        return None
