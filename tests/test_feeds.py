"""Followed feeds against a feed, a sitemap and their articles served on loopback by the test:
each item is ingested once and only once, every item passes the address rules, and a malformed or
foreign document is refused with the reason. Loopback is reachable only because the test sets
FACTCHECK_ALLOW_PRIVATE_URLS, as an intranet would."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from factcheck.cli import app
from factcheck.feeds import MAX_TRIES, Feeds, parse
from retrieval.errors import RefusedInput
from tests.conftest import QuietHandler, http_server

runner = CliRunner()


def rss(base: str, ids: list[int], extra: str = "") -> bytes:
    items = "".join(f"<item><title>Story {i}</title><link>{base}/a{i}.html</link><guid isPermaLink='false'>story-{i}</guid>"
                    f"<pubDate>Mon, 0{i} Feb 2026 10:00:00 GMT</pubDate></item>" for i in ids)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Wire</title>{items}{extra}</channel></rss>'.encode()


ARTICLE = ("<html><head><title>Story {i}</title></head><body><article><p>Story number {i}: the regional council "
           "voted {i} times on the bridge budget this week, officials in the city said on Monday.</p></article></body></html>")


class Site(QuietHandler):
    def do_GET(self):
        srv = self.server
        srv.hits.append(self.path)
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        if self.path == "/feed.xml":
            return self.send(200, rss(base, srv.ids, srv.extra), "application/rss+xml")
        if self.path == "/sitemap.xml":
            body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{base}/a7.html</loc><lastmod>2026-02-07</lastmod></url>"
                    f"<url><loc>{base}/a8.html</loc></url></urlset>")
            return self.send(200, body.encode(), "application/xml")
        if self.path == "/broken.xml":  # cut off mid-item
            return self.send(200, rss(base, [1, 2])[:-40], "application/rss+xml")
        if self.path == "/page.html":
            return self.send(200, ARTICLE.format(i=9).encode(), "text/html")
        if self.path == "/entities.xml":
            body = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<rss version="2.0"><channel><title>&x;</title></channel></rss>')
            return self.send(200, body.encode(), "application/xml")
        if self.path.startswith("/a") and self.path.endswith(".html"):
            i = int(self.path[2:-5])
            return self.send(200, ARTICLE.format(i=i).encode(), "text/html; charset=utf-8")
        self.send(404, b"not found", "text/plain")


@pytest.fixture
def site():
    with http_server(Site, hits=[], ids=[1, 2], extra="") as srv:
        srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
        yield srv


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTCHECK_ALLOW_PRIVATE_URLS", "true")

    def run(*args):
        return runner.invoke(app, ["--data-dir", str(tmp_path / "d"), *args], catch_exceptions=False)
    return run


def articles(run) -> list[dict]:
    return json.loads(run("list", "--json").stdout)


def test_follow_then_refresh_ingests_each_item_once_and_only_once(cli, site):
    r = cli("follow", f"{site.base}/feed.xml")
    assert r.exit_code == 0, r.output
    assert "2 items now" in r.stdout and "Loopback Wire" in r.stdout
    assert not [h for h in site.hits if h.startswith("/a")]  # following reads the feed, not its articles

    r = cli("refresh", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["added"] == 2 and out["feeds"][0]["new"] == 2
    listed = {a["title"]: a for a in articles(cli)}
    assert set(listed) == {"Story 1", "Story 2"}
    # The page names no date or outlet: the feed's item date and title fill them.
    assert listed["Story 1"]["date"] == "2026-02-01" and listed["Story 1"]["source"] == "Loopback Wire"
    assert listed["Story 1"]["external_id"] == "story-1"

    site.hits.clear()
    r = cli("refresh")
    assert r.exit_code == 0 and "0 new" in r.stdout and "added 0 articles" in r.stdout
    assert site.hits == ["/feed.xml"]  # nothing seen before is fetched again

    site.ids = [1, 2, 3]  # a new story in the feed
    r = cli("refresh", "--json")
    assert json.loads(r.stdout)["added"] == 1 and [h for h in site.hits if h.startswith("/a")] == ["/a3.html"]
    assert len(articles(cli)) == 3
    followed = json.loads(cli("follow", "--json").stdout)
    assert followed[0]["seen"] == 3 and followed[0]["refreshed_at"]


def test_a_sitemap_is_followed_too(tmp_path, corpus, site):
    feeds = Feeds(tmp_path / "feeds", {"allow_private": True})
    feeds.follow(f"{site.base}/sitemap.xml", source="Sitemap Daily")
    assert feeds.refresh(corpus).added == 2
    listed = {a.title: a for a in corpus.list()}
    assert str(listed["Story 7"].date) == "2026-02-07" and listed["Story 7"].source == "Sitemap Daily"


@pytest.mark.parametrize("path, reason", [
    ("/broken.xml", "not a well-formed feed or sitemap"),
    ("/page.html", "not an RSS or Atom feed or a sitemap"),
    ("/entities.xml", "declares XML entities"),
    ("/missing.xml", "HTTP 404"),
])
def test_a_malformed_or_foreign_feed_is_refused_with_the_reason_and_not_kept(cli, site, path, reason):
    r = cli("follow", f"{site.base}{path}")
    assert r.exit_code == 1 and reason in r.stderr, r.output
    assert "0 feeds followed" in cli("follow").stdout


def test_loopback_is_refused_without_the_setting(tmp_path, site, monkeypatch):
    monkeypatch.delenv("FACTCHECK_ALLOW_PRIVATE_URLS", raising=False)
    r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "follow", f"{site.base}/feed.xml"])
    assert r.exit_code == 1 and "loopback" in r.stderr and "FACTCHECK_ALLOW_PRIVATE_URLS" in r.stderr
    assert site.hits == []  # refused before any request


def test_every_item_passes_the_address_rules_and_a_failing_item_is_given_up(tmp_path, corpus, site):
    # With private addresses allowed, a cloud metadata address is still refused, item by item.
    site.extra = ("<item><title>Creds</title><link>http://169.254.169.254/latest/meta-data/</link></item>"
                  f"<item><title>Gone</title><link>{site.base}/gone.html</link></item>")
    feeds = Feeds(tmp_path / "feeds", {"allow_private": True})
    feeds.follow(f"{site.base}/feed.xml")
    r = feeds.refresh(corpus)
    reasons = " ".join(o.reason or "" for o in r.feeds[0].outcomes)
    assert r.added == 2 and r.failed == 2 and "cloud metadata address" in reasons and "HTTP 404" in reasons
    for _ in range(MAX_TRIES - 1):
        assert feeds.refresh(corpus).feeds[0].new == 2  # tried again: a link may come back
    site.hits.clear()
    assert feeds.refresh(corpus).feeds[0].new == 0  # given up after MAX_TRIES refusals
    assert site.hits == ["/feed.xml"] and corpus.count() == 2


def test_refresh_with_nothing_followed_says_what_to_do(cli):
    r = cli("refresh")
    assert r.exit_code == 1 and "factcheck follow" in r.stderr


def test_atom_and_rss_items_keep_their_ids_links_and_dates():
    atom = (b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            b'<entry><title>E</title><id>urn:e1</id><link href="https://news.example/e1"/>'
            b'<updated>2026-02-01T08:00:00Z</updated></entry></feed>')
    f = parse(atom, "https://news.example/atom.xml")
    assert f.kind == "atom10" and [(i.key, i.url, str(i.date)) for i in f.items] == [("urn:e1", "https://news.example/e1", "2026-02-01")]
    with pytest.raises(RefusedInput, match="not an RSS or Atom feed"):
        parse(b'{"version": "https://jsonfeed.org/version/1"}', "https://news.example/feed.json")
    with pytest.raises(RefusedInput, match="line 1"):  # where it breaks
        parse(b'<rss version="2.0"><channel><title>x</titl></channel></rss>', "https://news.example/rss")


def test_the_app_adds_sources_from_a_feed(tmp_path, site, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    for var in ("FACTCHECK_EDITOR_PASSWORD", "FACTCHECK_OPEN_CORPUS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("FACTCHECK_ALLOW_PRIVATE_URLS", "true")
    from streamlit import config as st_config

    get = st_config.get_option
    monkeypatch.setattr(st_config, "get_option", lambda name: "127.0.0.1" if name == "server.address" else get(name))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.text_input(key="add_feed").input(f"{site.base}/feed.xml")
    next(b for b in at.form_submit_button if "Add to the corpus" in b.label).click().run()
    assert not at.exception, at.exception
    shown = [s.value for s in at.success]
    assert any("Loopback Wire" in s and "added 2" in s for s in shown), (shown, [e.value for e in at.error])
    assert any("Following 1 feed" in c.value for c in at.caption)
    site.ids = [1, 2, 3]
    next(b for b in at.button if b.label == "Refresh the feeds now").click().run()
    assert not at.exception, at.exception
    assert any("added 1" in s.value for s in at.success), [s.value for s in at.success]
    at.text_input(key="add_feed").input(f"{site.base}/broken.xml")
    next(b for b in at.form_submit_button if "Add to the corpus" in b.label).click().run()
    assert any("not a well\\-formed feed" in e.value for e in at.error), [e.value for e in at.error]
