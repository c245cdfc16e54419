# syntax=docker/dockerfile:1
# The Reflex backend (the app server): `lumi_app/` and the parts of `backend/` it imports,
# served by Reflex's production backend (granian) on 0.0.0.0:8000. The browser's bundle is
# not in here (`reflex export` goes to S3 behind CloudFront); neither is Node.
#
# Built by `make deploy` (CDK's ContainerImage.from_asset) for linux/amd64. The base image is
# pinned by tag and digest; to move it: `docker buildx imagetools inspect python:3.11-slim-bookworm`
# and replace both FROM lines' digest. tests/infra/test_dockerfile.py keeps this file, the
# requirements and the Makefile's Python in step, and tests/integration/test_app_server_image.py
# runs the CMD below against the local stack.

FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements/app.txt /tmp/requirements/app.txt
RUN /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements/app.txt

FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b
RUN groupadd --system --gid 10001 lumi && useradd --system --uid 10001 --gid lumi --home-dir /app --shell /usr/sbin/nologin lumi
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root rxconfig.py ./
COPY --chown=root:root lumi_app ./lumi_app
COPY --chown=root:root backend ./backend
COPY --chown=root:root assets ./assets
# The code stays root-owned and read-only to the server; it writes only where Reflex keeps
# its runtime files (.web: upload staging, its own bookkeeping), which the lumi user owns.
RUN mkdir .web && chown lumi:lumi .web
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false \
    REFLEX_USE_GRANIAN=true \
    GRANIAN_WORKERS=1
USER lumi:lumi
EXPOSE 8000
CMD ["python", "-m", "reflex", "run", "--env", "prod", "--backend-only", "--backend-host", "0.0.0.0", "--backend-port", "8000", "--loglevel", "warning"]
