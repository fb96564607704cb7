"""The optional editor role of the app: when a password is configured, only a signed-in editor
may add or delete sources; everyone may ask and check claims. The CLI and the Python API are
local tools and are not gated.

The password comes from FACTCHECK_EDITOR_PASSWORD (Settings.editor_password) or, hashed, from
Streamlit secrets (`editor_password_hash = "pbkdf2_sha256$…"` in .streamlit/secrets.toml; make
one with `python -m factcheck.editor`). Comparisons are constant-time (hmac.compare_digest), and
failed sign-ins are rate limited per process: after `max_failures` failures in a row every
attempt is refused, correct or not, for a lockout that doubles with each further failure.
The password is never logged, shown or stored in the session.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable

from pydantic import SecretStr

SCHEME = "pbkdf2_sha256"
ITERATIONS = 310_000


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


class EditorGate:
    """Checks sign-ins against the configured password; thread-safe, one per process."""

    def __init__(self, password: SecretStr | None = None, password_hash: str | None = None, *,
                 max_failures: int = 5, lockout_s: float = 30.0, max_lockout_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic):
        self._password = password if password and password.get_secret_value() else None
        self._hash = password_hash.strip() if password_hash and password_hash.strip() else None
        self.max_failures, self.lockout_s, self.max_lockout_s = max_failures, lockout_s, max_lockout_s
        self._clock = clock
        self._lock = threading.Lock()
        self.failures = 0
        self._locked_until = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self._password or self._hash)

    def locked_for(self) -> float:
        """Seconds until sign-in attempts are accepted again (0 when they are)."""
        with self._lock:
            return max(0.0, self._locked_until - self._clock())

    def _matches(self, password: str) -> bool:
        ok = False
        if self._password is not None:
            ok |= check_plain(password, self._password.get_secret_value())
        if self._hash is not None:
            ok |= check_hash(password, self._hash)
        return ok

    def sign_in(self, password: str) -> tuple[bool, str]:
        """(signed in?, a message to show). A locked gate refuses without checking."""
        if not self.enabled:
            return True, "No editor password is set: everyone may edit."
        with self._lock:
            wait = self._locked_until - self._clock()
            if wait > 0:
                return False, f"Too many failed sign-ins. Try again in {int(wait) + 1} s."
            if password and self._matches(password):
                self.failures = 0
                self._locked_until = 0.0
                return True, "Signed in as editor."
            self.failures += 1
            if self.failures >= self.max_failures:
                lock = min(self.max_lockout_s, self.lockout_s * 2 ** (self.failures - self.max_failures))
                self._locked_until = self._clock() + lock
                return False, f"Wrong password. Too many failed sign-ins: locked for {int(lock)} s."
            left = self.max_failures - self.failures
            return False, f"Wrong password ({left} more {'try' if left == 1 else 'tries'} before a lockout)."


def main() -> None:  # pragma: no cover - interactive
    """Print a hashed password for .streamlit/secrets.toml."""
    pw = getpass.getpass("Editor password: ")
    if not pw or pw != getpass.getpass("Again: "):
        raise SystemExit("The two entries differ (or are empty).")
    print(f'editor_password_hash = "{hash_password(pw)}"')


if __name__ == "__main__":  # pragma: no cover
    main()
