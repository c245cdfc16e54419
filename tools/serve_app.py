"""Serve the exported static bundle the way S3 + CloudFront do in AWS.

- Real files are served as they are; any other path gets the SPA fallback page so the
  client-side router takes over (in AWS a CloudFront Function applies these same rules:
  ``infra/web.py``, tested against this server in ``tests/infra/test_web.py``).
- Compressed like CloudFront: the export writes ``.br`` and ``.gz`` files beside every text
  file (``frontend_compression_formats`` in rxconfig.py); a client that accepts one gets it
  with ``Content-Encoding`` (brotli first), and every answer that could differ by encoding
  says ``Vary: Accept-Encoding``. A ``Range`` request gets ranges of the file itself, so
  ``Content-Range`` always counts the bytes a client would get without compression.
- Cached like a fingerprinted build should be: the hashed bundles under ``/assets/``
  (``root-<hash>.js``) for a year, immutable; everything else (pages, the service worker,
  the manifest, the helper scripts, icons) is revalidated on every use (``no-cache`` with an
  ``ETag``), so a new deploy shows up at once and an unchanged file costs a 304.
- HTTP/1.1 with keep-alive, so a page's files share a few connections as they would with a
  CDN (HTTP/1.0 paid a new connection per file).
"""

from __future__ import annotations

import argparse
import email.utils
import functools
import mimetypes
import os
import re
import shutil
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")

SPA_FALLBACK = "__spa-fallback.html"
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
# Vite names every bundle it emits <name>-<hash>.<ext>, the hash 8+ URL-safe characters.
HASHED_ASSET = re.compile(r"^/assets/(?:[^/]+/)*[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")
# Best first: (Content-Encoding, the suffix of the file the export wrote beside the original).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
TEXT_TYPES = ("text/", "application/json", "application/manifest+json", "image/svg+xml")
KEEP_ALIVE_SECONDS = 30


def accepted_encodings(header: str | None) -> dict[str, float]:
    """``Accept-Encoding`` as coding → quality (``q=0`` means "not this one")."""
    accepted: dict[str, float] = {}
    for entry in (header or "").split(","):
        coding, *params = (part.strip() for part in entry.split(";"))
        if not coding:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        accepted[coding.lower()] = quality
    return accepted


def cache_control(url_path: str, file: Path) -> str:
    """How long a browser (and a CDN) may keep what ``url_path`` answered with ``file``."""
    if file.suffix == ".html":
        return NO_CACHE
    if HASHED_ASSET.match(url_path):
        return IMMUTABLE
    return NO_CACHE


def content_type(file: Path) -> str:
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(TEXT_TYPES) else kind


@dataclass(frozen=True)
class Representation:
    """The bytes chosen for a request: the file itself or a compressed copy of it."""

    path: Path
    size: int
    mtime: float
    encoding: str | None  # None: the file itself
    varies: bool  # another request could get another encoding
    etag: str  # of the original file's version, and of this encoding of it


def choose_representation(file: Path, accept_encoding: str | None, *, ranged: bool) -> Representation:
    """The best copy of ``file`` for this client; ranges are always of the file itself."""
    sidecars = [(coding, file.with_name(file.name + suffix)) for coding, suffix in ENCODINGS]
    sidecars = [(coding, path) for coding, path in sidecars if path.is_file()]
    stat = file.stat()
    version = f"{stat.st_mtime_ns:x}-{stat.st_size:x}"
    plain = Representation(file, stat.st_size, stat.st_mtime, None, bool(sidecars), f'"{version}"')
    if ranged or not sidecars:
        return plain
    accepted = accepted_encodings(accept_encoding)
    for coding, path in sidecars:
        if accepted.get(coding, accepted.get("*", 0.0)) > 0:
            size = path.stat().st_size
            return Representation(path, size, stat.st_mtime, coding, True, f'"{version}-{coding}"')
    return plain


class RangeNotSatisfiable(Exception):
    """Nothing of the asked range lies within the file (416)."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One ``bytes=`` range as (first, last) inclusive; None: ignore the header and serve it all."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # another unit, or several ranges: a server may answer with the whole file
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_text == "":
            suffix = int(last_text)
            if suffix <= 0:
                raise RangeNotSatisfiable(header)
            return max(0, size - suffix), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first > last and last_text:
        return None
    if first >= size:
        raise RangeNotSatisfiable(header)
    return first, min(last, size - 1)


class _Slice:
    """The part of an open file a 206 sends."""

    def __init__(self, file: BinaryIO, first: int, length: int) -> None:
        file.seek(first)
        self._file = file
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size < 0 else min(size, self._left)
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()


class AppRequestHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = KEEP_ALIVE_SECONDS  # an idle kept-alive connection lets its thread go

    def __init__(self, *args, directory: str, **kwargs) -> None:
        super().__init__(*args, directory=directory, **kwargs)

    def _resolve(self, raw_path: str) -> tuple[str, Path] | None:
        """The file answering ``raw_path`` (and the path it is served as), or None after a redirect."""
        url_path = unquote(raw_path) or "/"
        local = Path(self.translate_path(raw_path))
        if url_path != "/" and not url_path.endswith("/") and Path(f"{local}.html").is_file():
            # The export writes /home as home.html next to a home/ folder; serve the page
            # itself instead of redirecting to /home/ (CloudFront's function does the same).
            return f"{url_path}.html", Path(f"{local}.html")
        if local.is_dir():
            if (local / "index.html").is_file():
                if not url_path.endswith("/"):
                    query = urlsplit(self.path).query
                    self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                    self.send_header("Location", f"{raw_path}/" + (f"?{query}" if query else ""))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return f"{url_path}index.html", local / "index.html"
        elif local.is_file():
            return url_path, local
        fallback = Path(self.directory) / SPA_FALLBACK
        if not fallback.is_file():
            fallback = Path(self.directory) / "index.html"
        return f"/{fallback.name}", fallback

    def send_head(self):  # type: ignore[override]
        resolved = self._resolve(urlsplit(self.path).path)
        if resolved is None:
            return None
        served_as, file = resolved
        range_header = self.headers.get("Range")
        if range_header and not self._if_range_holds(file):
            range_header = None
        chosen = choose_representation(file, self.headers.get("Accept-Encoding"), ranged=bool(range_header))
        try:
            body = chosen.path.open("rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None

        if self._not_modified(chosen):
            body.close()
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._representation_headers(served_as, file, chosen)
            self.end_headers()
            return None

        try:
            wanted = parse_range(range_header, chosen.size) if range_header else None
        except RangeNotSatisfiable:
            body.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self._representation_headers(served_as, file, chosen)
            self.send_header("Content-Range", f"bytes */{chosen.size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if wanted is not None:
            first, last = wanted
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self._representation_headers(served_as, file, chosen)
            self.send_header("Content-Range", f"bytes {first}-{last}/{chosen.size}")
            self.send_header("Content-Length", str(last - first + 1))
            self.end_headers()
            return _Slice(body, first, last - first + 1)

        self.send_response(HTTPStatus.OK)
        self._representation_headers(served_as, file, chosen)
        self.send_header("Content-Length", str(chosen.size))
        self.end_headers()
        return body

    def _representation_headers(self, served_as: str, file: Path, chosen: Representation) -> None:
        self.send_header("Content-Type", content_type(file))
        if chosen.encoding:
            self.send_header("Content-Encoding", chosen.encoding)
        if chosen.varies:
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", chosen.etag)
        self.send_header("Last-Modified", self.date_time_string(int(chosen.mtime)))
        self.send_header("Cache-Control", cache_control(served_as, file))
        if served_as == "/sw.js":
            self.send_header("Service-Worker-Allowed", "/")

    def _not_modified(self, chosen: Representation) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or chosen.etag in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                stamp = email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            return int(chosen.mtime) <= stamp
        return False

    def _if_range_holds(self, file: Path) -> bool:
        """``If-Range``: the range only while the file is the one the client has part of."""
        validator = self.headers.get("If-Range")
        if not validator:
            return True
        plain = choose_representation(file, None, ranged=True)
        if validator.startswith(('"', "W/")):
            return validator == plain.etag
        return validator == self.date_time_string(int(plain.mtime))

    def copyfile(self, source, outputfile) -> None:  # type: ignore[override]
        try:
            shutil.copyfileobj(source, outputfile)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the browser went away (a navigation): nothing to say

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # the base class names it `format`
        if os.environ.get("LUMI_SERVE_APP_VERBOSE"):
            super().log_message(format, *args)


class AppServer:
    """The static app server on 127.0.0.1, in a thread (tests) or in the foreground (CLI)."""

    def __init__(self, directory: Path, port: int, host: str = "127.0.0.1") -> None:
        handler = functools.partial(AppRequestHandler, directory=str(directory))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="serve-app", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args()
    server = AppServer(args.directory, args.port)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
