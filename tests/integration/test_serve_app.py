"""The static app server (tools/serve_app.py) answers like S3 + CloudFront: compressed copies
with Content-Encoding and Vary, the right type and length, caching by whether a file is
fingerprinted, the SPA fallback, and correct HEAD, range and conditional answers.

The bundle here is a small one of this test's own, laid out as ``reflex export`` writes it
(``.br`` and ``.gz`` beside each text file); raw HTTP (http.client) so nothing is decoded
or retried behind the test's back.
"""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.serve_app import AppServer

BUNDLE_JS = ("console.log('the root of the app');\n" * 200).encode()
PAGE = b"<!doctype html><html><head><meta charset=utf-8><title>Home</title></head><body>Home</body></html>"
FALLBACK = b"<!doctype html><html><body>the app's router decides</body></html>"
HASHED = "/assets/root-B1x_9kQz.js"
# Stands in for brotli output (the server never decodes it; it sends these exact bytes).
BROTLI_STAND_IN = b"\x1b brotli bytes of root.js"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def write_with_sidecars(path: Path, content: bytes, *, brotli: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(content))
    if brotli:
        path.with_name(path.name + ".br").write_bytes(BROTLI_STAND_IN)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("client")
    write_with_sidecars(root / "index.html", PAGE)
    write_with_sidecars(root / "home.html", PAGE)
    (root / "home").mkdir()
    write_with_sidecars(root / "home" / "index.html", PAGE)
    write_with_sidecars(root / "__spa-fallback.html", FALLBACK)
    write_with_sidecars(root / HASHED.lstrip("/"), BUNDLE_JS)
    write_with_sidecars(root / "assets" / "app-styles-Zq8xY7wV.css", b"body{margin:0}\n" * 40, brotli=False)
    write_with_sidecars(root / "sw.js", b"self.addEventListener('fetch', () => {});\n" * 10)
    write_with_sidecars(root / "lumi-pwa.js", b"(function () { 'use strict'; })();\n" * 10)
    (root / "manifest.webmanifest").write_text('{"name": "Lumi"}')
    (root / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    return root


@pytest.fixture(scope="module")
def server(bundle: Path) -> Iterator[AppServer]:
    app = AppServer(bundle, 0)
    app.start()
    yield app
    app.stop()


def fetch(server: AppServer, path: str, method: str = "GET", **headers: str) -> Answer:
    host, port = server.httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def test_a_bundle_comes_brotli_compressed_when_the_browser_accepts_it(server: AppServer) -> None:
    answer = fetch(server, HASHED, Accept_Encoding="gzip, deflate, br, zstd")

    assert answer.status == 200
    assert answer.header("Content-Encoding") == "br"
    assert answer.body == BROTLI_STAND_IN
    assert answer.header("Content-Length") == str(len(BROTLI_STAND_IN))
    assert answer.header("Content-Type") == "text/javascript; charset=utf-8"
    assert answer.header("Vary") == "Accept-Encoding"


def test_gzip_when_brotli_is_not_accepted_or_not_there(server: AppServer) -> None:
    answer = fetch(server, HASHED, Accept_Encoding="gzip, br;q=0")
    assert answer.header("Content-Encoding") == "gzip"
    assert gzip.decompress(answer.body) == BUNDLE_JS
    assert answer.header("Content-Length") == str(len(answer.body))

    css = fetch(server, "/assets/app-styles-Zq8xY7wV.css", Accept_Encoding="br, gzip")
    assert css.header("Content-Encoding") == "gzip"
    assert css.header("Content-Type") == "text/css; charset=utf-8"


def test_the_file_itself_without_accept_encoding_still_says_it_varies(server: AppServer) -> None:
    for accept in ({}, {"Accept_Encoding": "identity"}, {"Accept_Encoding": "gzip;q=0, br;q=0"}):
        answer = fetch(server, HASHED, **accept)
        assert answer.status == 200
        assert answer.header("Content-Encoding") is None
        assert answer.body == BUNDLE_JS
        assert answer.header("Content-Length") == str(len(BUNDLE_JS))
        assert answer.header("Vary") == "Accept-Encoding"


def test_files_that_have_no_compressed_copy_are_sent_as_they_are(server: AppServer) -> None:
    icon = fetch(server, "/icon-192.png", Accept_Encoding="br, gzip")
    assert icon.status == 200
    assert icon.header("Content-Encoding") is None
    assert icon.header("Vary") is None
    assert icon.header("Content-Type") == "image/png"

    manifest = fetch(server, "/manifest.webmanifest", Accept_Encoding="br, gzip")
    assert manifest.header("Content-Type") == "application/manifest+json; charset=utf-8"
    assert manifest.header("Cache-Control") == "no-cache"


def test_pages_are_compressed_and_revalidated_hashed_bundles_are_kept_a_year(server: AppServer) -> None:
    page = fetch(server, "/home", Accept_Encoding="br, gzip")
    assert page.status == 200
    assert page.header("Content-Encoding") == "br"
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    assert page.header("Cache-Control") == "no-cache"

    assert fetch(server, HASHED).header("Cache-Control") == "public, max-age=31536000, immutable"
    for unhashed in ("/", "/sw.js", "/lumi-pwa.js", "/icon-192.png"):
        assert fetch(server, unhashed).header("Cache-Control") == "no-cache", unhashed
    assert fetch(server, "/sw.js").header("Service-Worker-Allowed") == "/"


def test_unknown_paths_get_the_spa_fallback_compressed_too(server: AppServer) -> None:
    answer = fetch(server, "/moments/abc?tab=chat", Accept_Encoding="gzip")

    assert answer.status == 200
    assert gzip.decompress(answer.body) == FALLBACK
    assert answer.header("Content-Type") == "text/html; charset=utf-8"
    assert answer.header("Cache-Control") == "no-cache"


def test_head_says_what_get_would_send_without_the_body(server: AppServer) -> None:
    for accept in ("br", "gzip", "identity"):
        got = fetch(server, HASHED, Accept_Encoding=accept)
        head = fetch(server, HASHED, "HEAD", Accept_Encoding=accept)
        assert head.status == 200
        assert head.body == b""
        for name in ("Content-Length", "Content-Encoding", "Content-Type", "Vary", "ETag", "Cache-Control"):
            assert head.header(name) == got.header(name), (accept, name)


def test_a_range_is_of_the_file_itself_never_of_a_compressed_copy(server: AppServer) -> None:
    answer = fetch(server, HASHED, Range="bytes=10-19", Accept_Encoding="br, gzip")

    assert answer.status == 206
    assert answer.header("Content-Encoding") is None
    assert answer.body == BUNDLE_JS[10:20]
    assert answer.header("Content-Range") == f"bytes 10-19/{len(BUNDLE_JS)}"
    assert answer.header("Content-Length") == "10"
    assert answer.header("Vary") == "Accept-Encoding"


def test_open_and_suffix_ranges_and_ranges_past_the_end(server: AppServer) -> None:
    size = len(BUNDLE_JS)
    tail = fetch(server, HASHED, Range="bytes=-5")
    assert (tail.status, tail.body) == (206, BUNDLE_JS[-5:])
    assert tail.header("Content-Range") == f"bytes {size - 5}-{size - 1}/{size}"

    rest = fetch(server, HASHED, Range=f"bytes={size - 3}-")
    assert (rest.status, rest.body) == (206, BUNDLE_JS[-3:])

    clipped = fetch(server, HASHED, Range=f"bytes={size - 2}-{size + 100}")
    assert clipped.body == BUNDLE_JS[-2:]

    beyond = fetch(server, HASHED, Range=f"bytes={size}-")
    assert beyond.status == 416
    assert beyond.header("Content-Range") == f"bytes */{size}"

    head = fetch(server, HASHED, "HEAD", Range="bytes=0-0")
    assert (head.status, head.header("Content-Length"), head.body) == (206, "1", b"")


def test_ranges_the_server_does_not_do_get_the_whole_file(server: AppServer) -> None:
    for spec in ("bytes=0-1,5-6", "items=0-1", "bytes=9-2"):
        answer = fetch(server, HASHED, Range=spec)
        assert (answer.status, answer.body) == (200, BUNDLE_JS), spec


def test_if_range_with_an_old_validator_gets_the_whole_file(server: AppServer) -> None:
    etag = fetch(server, HASHED).header("ETag")
    assert etag is not None
    current = fetch(server, HASHED, Range="bytes=0-3", If_Range=etag)
    assert (current.status, current.body) == (206, BUNDLE_JS[:4])

    stale = fetch(server, HASHED, Range="bytes=0-3", If_Range='"an-older-version"')
    assert (stale.status, stale.body) == (200, BUNDLE_JS)


def test_revalidating_an_unchanged_file_costs_a_304_per_encoding(server: AppServer) -> None:
    brotli = fetch(server, "/lumi-pwa.js", Accept_Encoding="br")
    plain = fetch(server, "/lumi-pwa.js")
    assert brotli.header("ETag") != plain.header("ETag")  # two representations, two validators

    again = fetch(server, "/lumi-pwa.js", Accept_Encoding="br", If_None_Match=str(brotli.header("ETag")))
    assert (again.status, again.body) == (304, b"")
    assert again.header("Vary") == "Accept-Encoding"
    other = fetch(server, "/lumi-pwa.js", If_None_Match=str(brotli.header("ETag")))
    assert other.status == 200

    since = fetch(server, "/icon-192.png", If_Modified_Since=str(plain.header("Last-Modified")))
    assert since.status == 304


def test_a_folder_without_its_slash_is_redirected_and_html_twins_win(server: AppServer) -> None:
    assert fetch(server, "/home").body == PAGE  # home.html, not a redirect to home/
    assert fetch(server, "/home/").body == PAGE
    assert fetch(server, "/assets").status == 200  # no index.html inside: the SPA fallback


def test_one_connection_carries_several_requests(server: AppServer) -> None:
    host, port = server.httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        bodies = []
        for path in (HASHED, "/home", "/icon-192.png"):
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.version == 11
            bodies.append(response.read())
        assert bodies[0] == BUNDLE_JS
    finally:
        connection.close()
