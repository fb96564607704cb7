"""The optional editor role of the app: when a password is configured, only a signed-in editor
may add or delete sources; everyone may ask and check claims. The CLI and the Python API are
local tools and are not gated.

The password comes from FACTCHECK_EDITOR_PASSWORD (Settings.editor_password) or, hashed, from
Streamlit secrets (`editor_password_hash = "pbkdf2_sha256$…"` in .streamlit/secrets.toml; make
one with `python -m factcheck.editor`; PBKDF2-SHA256 with 600,000 iterations, OWASP's figure).
Comparisons are constant-time (hmac.compare_digest), and failed sign-ins are rate limited per
client (its address; on loopback, where every client has the same address, its browser): after
`max_failures` failures in a row that client's attempts are refused, correct or not, for a lockout
that doubles with each further failure. Others can still sign in. So that no one gets unlimited
guesses by changing browsers, `max_total_failures` failures from all clients together within
`total_window_s` lock every client out for `lockout_s`. The password is never logged, shown or
stored in the session.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

SCHEME = "pbkdf2_sha256"
ITERATIONS = 600_000  # PBKDF2-HMAC-SHA256, as OWASP's password storage guidance gives it
MAX_CLIENTS = 10_000  # clients remembered (the least recently seen are forgotten)


def client_key(ip_address: str | None, cookies=None) -> str:
    """Whom a failed sign-in counts against: the connection's address; on loopback (this machine,
    or a reverse proxy on it: Streamlit gives no address there) the browser, by Streamlit's XSRF
    cookie, hashed. A client that drops its cookies gets a fresh count, which the gate's
    all-clients limit bounds."""
    if isinstance(ip_address, str) and ip_address:
        return f"ip:{ip_address}"
    browser = cookies.get("_streamlit_xsrf", "") if hasattr(cookies, "get") else ""
    if not isinstance(browser, str):  # no browser behind it (Streamlit's AppTest)
        browser = ""
    return "loopback:" + hashlib.sha256(_xsrf_token(browser)).hexdigest()[:16]


def _xsrf_token(cookie: str) -> bytes:
    """The browser's XSRF token: Streamlit masks it afresh in every response ("2|mask|masked|time"),
    so the cookie's text changes while the token stays."""
    parts = cookie.strip("\"'").split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            if mask:
                return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked))
        except ValueError:
            pass
    return cookie.encode("utf-8")


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def check_hash(password: str, encoded: str) -> bool:
    try:
        scheme, iterations, salt, digest = encoded.strip().split("$")
        if scheme != SCHEME:
            return False
        got = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(got, bytes.fromhex(digest))
    except (ValueError, TypeError):
        return False


def check_plain(password: str, expected: str) -> bool:
    # Digests first, so that the comparison does not reveal the length either.
    a = hashlib.sha256(password.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


@dataclass
class _Client:
    failures: int = 0
    locked_until: float = 0.0


class EditorGate:
    """Checks sign-ins against the configured password; thread-safe, one per process, keeping
    count of failures per client (`client`: its address, or its browser on loopback)."""

    def __init__(self, password: SecretStr | None = None, password_hash: str | None = None, *,
                 max_failures: int = 5, lockout_s: float = 30.0, max_lockout_s: float = 900.0,
                 max_total_failures: int = 100, total_window_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic):
        self._password = password if password and password.get_secret_value() else None
        self._hash = password_hash.strip() if password_hash and password_hash.strip() else None
        self.max_failures, self.lockout_s, self.max_lockout_s = max_failures, lockout_s, max_lockout_s
        self.max_total_failures, self.total_window_s = max_total_failures, total_window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._recent: deque[float] = deque()  # times of the failures of every client, within the window
        self._all_locked_until = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self._password or self._hash)

    def failures(self, client: str = "") -> int:
        """Failed sign-ins in a row of this client."""
        with self._lock:
            c = self._clients.get(client)
            return c.failures if c else 0

    def _client(self, client: str) -> _Client:
        c = self._clients.pop(client, None) or _Client()
        self._clients[client] = c  # most recently seen last
        while len(self._clients) > MAX_CLIENTS:
            self._clients.popitem(last=False)
        return c

    def _locked_until(self, client: str) -> float:
        c = self._clients.get(client)
        return max(c.locked_until if c else 0.0, self._all_locked_until)

    def locked_for(self, client: str = "") -> float:
        """Seconds until this client's sign-in attempts are accepted again (0 when they are)."""
        with self._lock:
            return max(0.0, self._locked_until(client) - self._clock())

    def _matches(self, password: str) -> bool:
        ok = False
        if self._password is not None:
            ok |= check_plain(password, self._password.get_secret_value())
        if self._hash is not None:
            ok |= check_hash(password, self._hash)
        return ok

    def sign_in(self, password: str, client: str = "") -> tuple[bool, str]:
        """(signed in?, a message to show). A locked client is refused without a check."""
        if not self.enabled:
            return True, "No editor password is set: everyone may edit."
        with self._lock:
            now = self._clock()
            wait = self._locked_until(client) - now
            if wait > 0:
                return False, f"Too many failed sign-ins. Try again in {int(wait) + 1} s."
            c = self._client(client)
            if password and self._matches(password):
                c.failures, c.locked_until = 0, 0.0
                return True, "Signed in as editor."
            c.failures += 1
            self._recent.append(now)
            while self._recent and self._recent[0] < now - self.total_window_s:
                self._recent.popleft()
            if len(self._recent) >= self.max_total_failures:  # guesses from many clients at once
                self._recent.clear()
                self._all_locked_until = now + self.lockout_s
            if c.failures >= self.max_failures:
                lock = min(self.max_lockout_s, self.lockout_s * 2 ** (c.failures - self.max_failures))
                c.locked_until = now + lock
                return False, f"Wrong password. Too many failed sign-ins: locked for {int(lock)} s."
            left = self.max_failures - c.failures
            return False, f"Wrong password ({left} more {'try' if left == 1 else 'tries'} before a lockout)."


def main() -> None:  # pragma: no cover - interactive
    """Print a hashed password for .streamlit/secrets.toml."""
    pw = getpass.getpass("Editor password: ")
    if not pw or pw != getpass.getpass("Again: "):
        raise SystemExit("The two entries differ (or are empty).")
    print(f'editor_password_hash = "{hash_password(pw)}"')


if __name__ == "__main__":  # pragma: no cover
    main()
