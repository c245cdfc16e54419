"""Where the suite's own system listens: the app (static bundle) and the Reflex backend's public port.

The bundle bakes the backend's address in, so ``tools.app_build`` keeps one export per backend URL;
``tests/infra`` builds (or reuses) the export for this one, and the e2e run after it reuses that.
"""

APP_PORT = 3100
BACKEND_PORT = 8100
BACKEND_URL = f"http://localhost:{BACKEND_PORT}"
