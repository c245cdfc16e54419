"""Serve the exported static bundle the way S3 + CloudFront do in AWS.

Real files are served as they are; any other path gets the SPA fallback page so the
client-side router takes over (CloudFront does this with a custom error response).
The service worker and the manifest are never cached long, so a new deploy shows up.
"""

from __future__ import annotations

import argparse
import functools
import mimetypes
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")

NO_CACHE = {"/sw.js", "/manifest.webmanifest", "/index.html", "/__spa-fallback.html", "/404.html"}


class AppRequestHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, directory: str, **kwargs) -> None:
        super().__init__(*args, directory=directory, **kwargs)

    def send_head(self):  # type: ignore[override]
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        local = Path(self.translate_path(path))
        if path != "/" and not path.endswith("/") and Path(f"{local}.html").is_file():
            # The export writes /home as home.html next to a home/ folder; serve the page
            # itself instead of redirecting to /home/ (CloudFront is set up the same way).
            self.path = f"{path}.html"
            return super().send_head()
        if not local.exists() or (local.is_dir() and not (local / "index.html").exists()):
            fallback = "/__spa-fallback.html" if (Path(self.directory) / "__spa-fallback.html").exists() else "/"
            self.path = fallback
        return super().send_head()

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in NO_CACHE or path.endswith("/") or path.endswith(".html"):
            self.send_header("Cache-Control", "no-cache")
        elif path.startswith("/assets/"):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        if path == "/sw.js":
            self.send_header("Service-Worker-Allowed", "/")
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
