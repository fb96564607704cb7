"""Links: only http and https, only public addresses (unless the settings allow the local
network), for every redirect hop and whatever the DNS says, within a size and a time limit.

No internet here, so "the public web" is a server on 127.0.0.1 that the test declares public by
wrapping the address check; "the internal network" is a second server on 127.0.0.2. Each server
counts the requests it receives: a refused link must not reach the internal one at all.
"""

import ipaddress
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from factcheck.cli import app
from factcheck.settings import Settings
from retrieval import netguard
from retrieval.errors import RefusedInput
from retrieval.loaders import load_url

PAGE = ("<html><head><title>Budget passes</title></head><body><article><p>The city council approved the "
        "transport budget on Tuesday by 31 votes to 12.</p></article></body></html>").encode()


@pytest.mark.parametrize("address, problem", [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.0.0.8", "private"), ("172.16.4.4", "private"), ("192.168.1.1", "private"), ("fd12:3456::1", "private"),
    ("169.254.10.1", "link-local"), ("fe80::1", "link-local"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"), ("100.100.100.200", "metadata"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"), ("100.64.0.1", "not on the public internet"), ("192.0.2.1", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("64:ff9b::a9fe:a9fe", "metadata"),
    ("2002:7f00:1::", "loopback"), ("2002:c0a8:0101::", "private"),
])
def test_addresses_that_links_may_not_lead_to(address, problem):
    assert problem in netguard.address_problem(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert netguard.address_problem(address) is None


def test_allowing_the_local_network_never_allows_cloud_metadata():
    for address in ("127.0.0.1", "10.1.2.3", "fe80::1", "192.168.0.10"):
        assert netguard.address_problem(address, allow_private=True) is None
    for address in ("169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254"):
        assert "metadata" in netguard.address_problem(address, allow_private=True)


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "only http and https"), ("ftp://example.org/a.txt", "only http and https"),
    ("gopher://example.org/", "only http and https"), ("javascript:alert(1)", "only http and https"),
    ("data:text/html,<p>hi</p>", "only http and https"), ("http:///path", "no host name"),
    ("http://localhost:8501/", r"localhost \(127\.0\.0\.1\): it is a loopback"),
    ("http://127.1/", "loopback"), ("http://0x7f.0.0.1/", "loopback"), ("http://2130706433/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"), ("http://[::1]:8000/", "loopback"), ("http://0.0.0.0/", "unspecified"),
    ("http://169.254.169.254/latest/meta-data/iam/", "metadata"), ("http://10.0.0.1/admin", "private"),
    ("http://news.example@127.0.0.1/", "loopback"), ("http://host.invalid/", "cannot find the host"),
    ("http://[", "not a valid link"), ("A://[", "not a valid link"),  # found by test_fuzz
])
def test_links_refused_before_any_request(url, reason):
    with pytest.raises(RefusedInput, match=reason):
        load_url(url, timeout=3)


class Server:
    """An HTTP server on `host` whose routes map a path to (status, headers, body or callable)."""

    def __init__(self, host: str, routes: dict, port: int = 0):
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                status, headers, content = routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    if callable(content):
                        content(self.wfile)
                    else:
                        self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers(monkeypatch):
    """`public` on 127.0.0.1 (declared public below) and `internal` on 127.0.0.2, on the same port."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    html = {"Content-Type": "text/html; charset=utf-8"}
    internal = Server("127.0.0.2", {"/secret": (200, html, PAGE), "/page": (200, html, PAGE)})

    def drip(wfile):
        for _ in range(100):
            wfile.write(b"<p>x</p>")
            wfile.flush()
            time.sleep(0.2)

    def endless(wfile):
        block = b"<p>" + b"word " * 2000 + b"</p>"
        for _ in range(10_000):
            wfile.write(block)

    public = Server("127.0.0.1", port=internal.httpd.server_port, routes={
        "/page": (200, html, PAGE),
        "/to-internal": (302, {"Location": internal.url + "/secret"}, b""),
        "/to-localhost": (301, {"Location": "http://localhost:1/"}, b""),
        "/to-metadata": (307, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/drip": (200, html, drip),
        "/endless": (200, html, endless),  # no Content-Length: the limit must hold while reading
    })
    assert public.httpd.server_port == internal.httpd.server_port
    real_problem = netguard.address_problem

    def problem(ip, *, allow_private=False):
        if str(ip) == "127.0.0.1":  # this test's stand-in for the public web
            return None
        return real_problem(ip, allow_private=allow_private)

    monkeypatch.setattr(netguard, "address_problem", problem)
    yield public, internal
    public.close()
    internal.close()


def test_a_public_page_is_fetched(servers):
    public, _ = servers
    article = load_url(public.url + "/page")
    assert "31 votes to 12" in article.text and article.url == public.url + "/page"


@pytest.mark.parametrize("path, reason", [
    ("/to-internal", "127.0.0.2: it is a loopback"), ("/to-localhost", "localhost"),
    ("/to-metadata", "metadata"), ("/to-file", "only http and https"), ("/loop", "too many redirects"),
])
def test_every_redirect_hop_is_checked(servers, path, reason):
    public, internal = servers
    with pytest.raises(RefusedInput, match=reason):
        load_url(public.url + path, timeout=5)
    assert internal.requests == []


def test_a_name_that_resolves_to_a_private_address_is_refused(servers, monkeypatch):
    public, internal = servers
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "intranet.example.com":
            return real("127.0.0.2", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    port = internal.httpd.server_port
    with pytest.raises(RefusedInput, match=r"intranet\.example\.com \(127\.0\.0\.2\): it is a loopback"):
        load_url(f"http://intranet.example.com:{port}/secret")
    assert internal.requests == []


def test_dns_rebinding_never_reaches_the_private_address(servers, monkeypatch):
    """The name resolves to the public server while it is checked, then to the internal one
    (which listens on the same port). Either the second answer is checked and refused, or the
    connection goes to the address that was checked: the internal server never hears of it."""
    public, internal = servers
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example.com":
            lookups.append(host)
            return real("127.0.0.1" if len(lookups) <= public_answers else "127.0.0.2", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://rebind.example.com:{public.httpd.server_port}/page"
    public_answers = 1  # the early check sees the public address, the connection's look-up the internal one
    with pytest.raises(RefusedInput, match=r"rebind\.example\.com \(127\.0\.0\.2\): it is a loopback"):
        load_url(url)
    lookups.clear()
    public_answers = 2  # both checks see the public address; a third look-up would say internal
    assert "31 votes" in load_url(url).text
    assert public.requests == ["/page"] and internal.requests == []
    assert len(lookups) == 2  # the socket connected to the checked address, without looking the name up again


def test_size_and_time_limits(servers):
    public, _ = servers
    t0 = time.monotonic()
    with pytest.raises(RefusedInput, match="did not send the page within 1 s"):
        load_url(public.url + "/drip", timeout=1)
    assert time.monotonic() - t0 < 4  # a byte every 0.2 s keeps each read alive, not the whole fetch
    with pytest.raises(RefusedInput, match=r"page is .* over the 1 MB limit"):
        load_url(public.url + "/endless", max_bytes=1024 * 1024)


def test_proxy_settings_cannot_route_around_the_check(servers, monkeypatch):
    public, internal = servers
    monkeypatch.setenv("HTTP_PROXY", internal.url)
    monkeypatch.setenv("http_proxy", internal.url)
    assert "31 votes" in load_url(public.url + "/page").text
    assert internal.requests == []


def test_settings_and_cli(servers, tmp_path, monkeypatch):
    _, internal = servers
    url = internal.url + "/secret"
    assert Settings().url_options() == {"max_bytes": 50 * 1024 * 1024, "timeout": 20.0, "allow_private": False}
    with pytest.raises(RefusedInput, match="FACTCHECK_ALLOW_PRIVATE_URLS"):
        load_url(url, **Settings().url_options())
    assert "31 votes" in load_url(url, **Settings(allow_private_urls=True).url_options()).text

    runner = CliRunner()
    r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", url, "--json"])
    assert r.exit_code == 1 and "loopback" in json.loads(r.stdout)["outcomes"][0]["reason"]
    monkeypatch.setenv("FACTCHECK_ALLOW_PRIVATE_URLS", "true")
    r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", url, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["outcomes"][0]["status"] == "added"


def test_guard_is_installed_on_the_transport():
    transport = netguard.guarded_transport()
    assert isinstance(transport._pool._network_backend, netguard.GuardedBackend)
    assert ipaddress.ip_address("127.0.0.1").is_loopback  # (the premise of the servers above)
