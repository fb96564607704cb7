"""Starts the Streamlit app as `make run` does: `python -m factcheck.launch [--host H] [--port P]`.

It listens on 127.0.0.1 unless told otherwise (`HOST=0.0.0.0 make run`, or `--host`), so a laptop
on an office or café network does not serve its corpus to everyone on it; an app served beyond
loopback without an editor password keeps its corpus read-only (factcheck/access.py). Streamlit's
upload limit follows FACTCHECK_MAX_FILE_MB (whole megabytes, rounded up: a file between the two
limits is refused by the loader, with its reason). The project's .streamlit/config.toml holds the
same settings for a plain `streamlit run app.py` from the project's folder.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def app_path() -> Path:
    """The app's script: the checkout's app.py, or the copy an installed package carries as
    factcheck/_app/app.py (pyproject.toml maps it there)."""
    installed = Path(__file__).resolve().parent / "_app" / "app.py"
    return installed if installed.is_file() else Path(__file__).resolve().parents[1] / "app.py"


def upload_limit_mb(max_file_mb: float) -> int:
    """Streamlit's server.maxUploadSize (an integer, in MB) for the settings' file limit."""
    return max(1, math.ceil(max_file_mb))


def streamlit_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, max_file_mb: float = 50.0,
                      app: Path | None = None, python: str = sys.executable) -> list[str]:
    app = app or app_path()
    return [python, "-m", "streamlit", "run", str(app),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--server.enableXsrfProtection", "true", "--server.maxUploadSize", str(upload_limit_mb(max_file_mb)),
            "--browser.gatherUsageStats", "false"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m factcheck.launch", description="Start the fact-check app.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 serves the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    app = app_path()
    if not app.is_file():
        raise SystemExit(f"{app} is missing: reinstall the package (pip install factcheck).")

    from factcheck.access import is_loopback
    from factcheck.settings import Settings

    settings = Settings()
    host = args.host.strip()
    if is_loopback(host):
        print(f"factcheck: listening on {host} only (this machine); `HOST=0.0.0.0 make run` serves the network.",
              file=sys.stderr)
    else:
        print(f"factcheck: listening on {host or 'every interface'}, reachable from the network. Without an editor "
              "password the corpus is read-only there (FACTCHECK_EDITOR_PASSWORD; or FACTCHECK_OPEN_CORPUS=true "
              "on a trusted network).", file=sys.stderr)
    cmd = streamlit_command(host, args.port, settings.max_file_mb, app)
    sys.stderr.flush()
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
