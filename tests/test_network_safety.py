"""Safe by default on a network: who may change the corpus (factcheck/access.py), how `make run`
starts the app (factcheck/launch.py, the Makefile) and what .streamlit/config.toml makes
Streamlit enforce. The page's side of it is in tests/test_app.py and tests/test_browser.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib

import pytest

from factcheck.access import CorpusAccess, EditingRefused, is_loopback
from factcheck.launch import DEFAULT_HOST, streamlit_command, upload_limit_mb
from retrieval.errors import FactcheckError
from tests.conftest import ROOT, free_port, wait_until_serving

NAMES = {"newsroom-box": ["192.168.1.20"], "loop-alias": ["127.0.1.1", "::1"], "mixed": ["127.0.0.1", "10.0.0.5"]}


def fake_resolve(host: str) -> list[str]:
    if host not in NAMES:
        raise socket.gaierror("no such name")
    return NAMES[host]


# ---- the gate, on made-up inputs -------------------------------------------------------------------
@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost", "LOCALHOST.",
                                     " 127.0.0.1 ", "unix:///run/factcheck.sock", "loop-alias"])
def test_loopback_addresses(address):
    assert is_loopback(address, fake_resolve)


@pytest.mark.parametrize("address", [None, "", "  ", "0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.5",
                                     "fe80::1%eth0", "newsroom-box", "mixed", "unknown-name", "::ffff:10.0.0.1"])
def test_exposed_addresses(address):
    assert not is_loopback(address, fake_resolve)


def access(address, editor=False, open_corpus=False) -> CorpusAccess:
    return CorpusAccess(address, editor_configured=editor, open_corpus=open_corpus, resolve=fake_resolve)


def test_loopback_without_a_credential_is_open_as_before():
    a = access("127.0.0.1")
    assert a.mode == "open" and not a.exposed and a.notice() is None
    assert a.allows(False)
    a.check(False, "add sources")  # no error


@pytest.mark.parametrize("address", [None, "0.0.0.0", "192.168.1.20", "newsroom-box"])
def test_exposed_without_a_credential_is_read_only_even_for_a_forged_sign_in(address):
    a = access(address)
    assert a.mode == "read-only" and a.exposed
    assert not a.allows(False) and not a.allows(True)  # no credential: nobody can be signed in
    for signed_in in (False, True):
        with pytest.raises(EditingRefused) as e:
            a.check(signed_in, "delete sources")
        assert isinstance(e.value, FactcheckError)
        msg = str(e.value)
        assert "read-only" in msg and "delete sources" in msg
        assert "FACTCHECK_EDITOR_PASSWORD" in msg and "FACTCHECK_OPEN_CORPUS" in msg
    note = a.notice()
    assert "Read-only corpus" in note and "To enable editing" in note and "FACTCHECK_EDITOR_PASSWORD" in note


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", None])
def test_a_credential_means_a_signed_in_editor_anywhere(address):
    for open_corpus in (False, True):  # the open-corpus setting does not override a password
        a = access(address, editor=True, open_corpus=open_corpus)
        assert a.mode == "editor" and a.notice() is None
        assert a.allows(True) and not a.allows(False)
        a.check(True)
        with pytest.raises(EditingRefused, match="signed-in editor"):
            a.check(False, "add sources")


def test_open_corpus_opens_an_exposed_app_and_says_so():
    a = access("0.0.0.0", open_corpus=True)
    assert a.mode == "open" and a.allows(False)
    a.check(False)
    assert "open to everyone" in a.notice()
    assert access("127.0.0.1", open_corpus=True).notice() is None  # on loopback it changes nothing


def test_open_corpus_setting(monkeypatch):
    from factcheck.settings import Settings

    monkeypatch.delenv("FACTCHECK_OPEN_CORPUS", raising=False)
    assert Settings().open_corpus is False
    monkeypatch.setenv("FACTCHECK_OPEN_CORPUS", "true")
    assert Settings().open_corpus is True


# ---- how the app is started, and what Streamlit enforces --------------------------------------------
def test_launch_command_listens_on_loopback_with_the_settings_upload_limit():
    cmd = streamlit_command(max_file_mb=12.5)
    flags = dict(zip(cmd[5::2], cmd[6::2]))
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app.py")
    assert flags["--server.address"] == DEFAULT_HOST == "127.0.0.1"
    assert flags["--server.maxUploadSize"] == "13"  # whole megabytes, rounded up
    assert flags["--server.enableXsrfProtection"] == "true" and flags["--browser.gatherUsageStats"] == "false"
    assert dict(zip(*[iter(streamlit_command("0.0.0.0", 9000)[5:])] * 2))["--server.address"] == "0.0.0.0"
    assert [upload_limit_mb(x) for x in (50, 50.0, 0.2, 1.01)] == [50, 50, 1, 2]


def test_streamlit_config_enforces_xsrf_upload_limit_and_no_usage_stats():
    from factcheck.settings import Settings

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["maxUploadSize"] == upload_limit_mb(Settings.model_fields["max_file_mb"].default) == 50
    assert config["browser"]["gatherUsageStats"] is False


def listening(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on `port` (Linux /proc/net)."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if state != "0A" or int(p, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(addr)
            # The kernel prints each 32-bit word in host byte order.
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)) if sys.byteorder == "little" else raw
            found.add(socket.inet_ntop(family, raw))
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's /proc/net")
def test_make_run_serves_on_loopback_only(tmp_path):
    """`make run` = set-up, then `make serve`: started here as a newcomer would, without HOST."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.update(FACTCHECK_DATA_DIR=str(tmp_path / "data"), FACTCHECK_MAX_FILE_MB="7.5")
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(["make", "--no-print-directory", "serve", f"PORT={port}"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc, tmp_path / "serve.log", 90)
        assert listening(port) == {"127.0.0.1"}, listening(port)
        # The flags that make passed on, read from the running server's command line.
        cmdline = next(c for c in map(cmdline_of, group_members(proc.pid)) if "streamlit" in c)
        assert cmdline[cmdline.index("--server.address") + 1] == "127.0.0.1"
        assert cmdline[cmdline.index("--server.maxUploadSize") + 1] == "8"
        assert "listening on 127.0.0.1 only" in (tmp_path / "serve.log").read_text()
    finally:
        stop_group(proc)
        log.close()


def group_members(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:  # fields after the name: state, ppid, pgrp
                pids.append(int(entry))
    return pids


def cmdline_of(pid: int) -> list[str]:
    try:
        return open(f"/proc/{pid}/cmdline").read().split("\0")
    except OSError:
        return []


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to make and the server it started, SIGKILL to whatever is left after 20 s."""
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.time() + grace
        while time.time() < deadline:
            proc.poll()  # reaps make, which would otherwise stay in the group as a zombie
            if proc.returncode is not None and not group_members(proc.pid):
                return
            time.sleep(0.2)
    proc.wait(10)
