"""The app in AWS: the ``reflex export`` bundle behind the one CloudFront distribution browsers see.

- **Bucket**: private (public access blocked, TLS only, SSE-S3, access logs to the stack's
  access-log bucket), read only by this distribution through origin access control. The
  bundle (``-c webBundle=<dir>``, what ``tools.app_build.ensure_build`` returns) is uploaded by
  a ``BucketDeployment``, without the export's ``.br``/``.gz`` copies (CloudFront compresses).
  Without ``webBundle`` (``make synth``, most tests) there is no deployment at all: the bucket,
  the distribution and its functions synthesize with an empty file list (every path would get
  the missing ``index.html``), so ``make deploy`` always passes one.
- **Routes**: ``tools/serve_app.py``'s rules, at the edge: a viewer-request CloudFront Function
  (``web_routes.js``, filled with the export's file list at synth) rewrites a route path to the
  file answering it, redirects a folder asked without its slash, and falls back to the SPA page.
  S3 cannot do this itself, and a custom error response would also swallow the backend's and
  the API's 403/404s (they share the distribution). Under ``/assets/`` no function runs: a
  missing hashed file answers 404 from S3 instead of the fallback page.
- **Caching**: ``/assets/*`` (Vite's ``name-<hash>.ext``) a year, immutable; everything else
  (pages, ``sw.js``, the manifest, helper scripts, icons) ``no-cache`` for browsers and
  revalidated by CloudFront on every request (TTL 0: S3 answers 304 to an unchanged file).
  Compression (gzip, brotli) on.
- **Headers**: HSTS, nosniff, ``X-Frame-Options: DENY``, a strict referrer policy, and each
  page's Content-Security-Policy (``content_security_policy``: its own inline scripts by hash),
  set by a viewer-response function built from the same ``web_routes.js``: one policy with every
  page's hashes (46 today) would pass CloudFront's 1783-character limit for a headers policy.
  Each function holds at most 10 KB of code; synth fails with a clear error past that (the
  export of today: 4.9 KB and 8.3 KB).
- **Backend paths**: the Reflex backend's ``/_event`` (socket.io over a websocket), ``/ping``
  and ``/_health`` go to ``app_server_origin`` uncached with every viewer header but Host (the
  websocket upgrade needs them); ``/_upload`` is not served (Lumi uploads straight to S3).
- **Public API paths** (the calendar feed; ``/rest/*`` later): the API's IAM-only function URL
  through origin access control (CloudFront signs with SigV4; the function's resource policy
  admits this distribution only).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from infra.stages import private_bucket, removal_policy

WEB_BUNDLE_CONTEXT = "webBundle"
ROUTES_JS = Path(__file__).with_name("web_routes.js")
# The export writes these beside every text file; CloudFront compresses by itself.
COMPRESSED_COPIES = (".br", ".gz")
NOT_DEPLOYED = (".fingerprint",)  # tools.app_build's stamp
HASHED_ASSETS_PATH = "/assets/*"
SERVICE_WORKER_PATH = "/sw.js"
# Reflex 0.10's backend (reflex_base.constants.Endpoint): the event websocket, ping and health.
# /_upload exists only when rx.upload is used (Lumi uploads straight to S3), /_all_routes and
# /auth-codespace only in development.
APP_SERVER_PATHS = ("/_event*", "/ping", "/_health")
# The API's public paths (no session): the calendar feed, GET /calendar/<secret>.ics.
PUBLIC_API_PATHS = ("/calendar/*.ics",)
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
# CloudFront Functions: at most 10 KB of code each.
FUNCTION_CODE_LIMIT = 10 * 1024


def deployed_files(bundle_dir: Path) -> list[str]:
    """The export's files as S3 keys (``home.html``, ``assets/root-<hash>.js``), without the
    compressed copies and the build stamp, sorted."""
    keys = []
    for path in bundle_dir.rglob("*"):
        if not path.is_file() or path.name in NOT_DEPLOYED:
            continue
        if path.suffix in COMPRESSED_COPIES and path.with_suffix("").is_file():
            continue
        keys.append(path.relative_to(bundle_dir).as_posix())
    return sorted(keys)


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.bodies: list[str] = []
        self._body: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._body = []

    def handle_data(self, data: str) -> None:
        if self._body is not None:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._body is not None:
            self.bodies.append("".join(self._body))
            self._body = None


def inline_script_hashes(html: str) -> list[str]:
    """Base64 SHA-256 of each inline ``<script>``'s text as the browser hashes it (the bytes
    between the tags, UTF-8), in page order, without repeats."""
    parser = _InlineScripts()
    parser.feed(html)
    parser.close()
    hashes: list[str] = []
    for body in parser.bodies:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        if digest not in hashes:
            hashes.append(digest)
    return hashes


def page_script_hashes(bundle_dir: Path) -> dict[str, list[str]]:
    """Each exported page (its S3 key) → the hashes of its inline scripts."""
    return {
        key: inline_script_hashes((bundle_dir / key).read_text(encoding="utf-8"))
        for key in deployed_files(bundle_dir)
        if key.endswith(".html")
    }


def _policy_prefix(
    *, connect_origins: Sequence[str] = (), media_origins: Sequence[str] = (), app_origin: str | None = None
) -> str:
    websocket = [re.sub(r"^https://", "wss://", app_origin)] if app_origin else []
    directives = [
        ("default-src", ["'self'"]),
        ("base-uri", ["'self'"]),
        ("object-src", ["'none'"]),
        ("frame-ancestors", ["'none'"]),
        ("form-action", ["'self'"]),
        # The chosen file's preview (blob:), then photos, covers and avatars from the media CDN.
        ("img-src", ["'self'", "blob:", *media_origins]),
        ("media-src", ["'self'", "blob:", *media_origins]),
        # Reflex's websocket on this origin ('self' covers wss: of the same host), the uploads
        # posted straight to S3.
        ("connect-src", ["'self'", *websocket, *connect_origins]),
        # Emotion and Radix write <style> elements and style attributes at run time.
        ("style-src", ["'self'", "'unsafe-inline'"]),
        # rx.call_script (every helper call of the app) runs the backend's script through eval.
        ("script-src", ["'self'", "'unsafe-eval'"]),
    ]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives)


def content_security_policy(
    bundle_dir: Path,
    *,
    page: str | None = None,
    connect_origins: Sequence[str] = (),
    media_origins: Sequence[str] = (),
    app_origin: str | None = None,
) -> str:
    """The Content-Security-Policy for ``page`` of the export in ``bundle_dir`` (its S3 key,
    e.g. ``home.html``): scripts only from the app's origin plus the page's own inline scripts
    by hash; images and media from the app and ``media_origins`` (the media CDN); connections
    to the app (its websocket) and ``connect_origins`` (the bucket uploads are posted to).
    ``page=None`` gives one policy for every page (the union of their hashes)."""
    pages = page_script_hashes(bundle_dir)
    if page is None:
        hashes = list(dict.fromkeys(h for page_hashes in pages.values() for h in page_hashes))
    else:
        hashes = pages.get(page, [])
    prefix = _policy_prefix(connect_origins=connect_origins, media_origins=media_origins, app_origin=app_origin)
    return prefix + "".join(f" 'sha256-{h}'" for h in hashes)


DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"  # as web_routes.js reads them


def routes_function_code(files: Iterable[str], pages: dict[str, list[str]] | None = None, csp_prefix: str = "") -> str:
    """``web_routes.js`` filled with the export's files and folders, and for the viewer-response
    function (``pages`` given) each page's script hashes and the policy they complete.

    Files under ``assets/`` are left out (no function runs there); their folders stay known.
    Comment lines go: CloudFront takes at most 10 KB of code per function."""
    files = sorted(files)
    dirs = sorted({"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)})
    listed = [f for f in files if not f.startswith("assets/")]
    pages = pages or {}
    hashes = sorted({h for page in pages.values() for h in page})
    if len(hashes) > len(DIGITS):
        raise ValueError(f"the export has {len(hashes)} distinct inline scripts, more than {len(DIGITS)}")
    digit = {h: DIGITS[i] for i, h in enumerate(hashes)}
    values = {
        "__FILES__": listed,
        "__DIRS__": dirs,
        "__PAGES__": ["".join(digit[h] for h in pages.get(f, [])) for f in listed] if pages else [],
        "__HASHES__": hashes,
        "__CSP_PREFIX__": csp_prefix,
    }
    code = "\n".join(line for line in ROUTES_JS.read_text().splitlines() if not line.lstrip().startswith("//"))
    for name, value in values.items():
        code = code.replace(name, json.dumps(value, separators=(",", ":")), 1)
    return code + "\n"


class Web(Construct):
    """The app's bucket, its upload and the distribution in front of the app (see the module)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        access_logs: s3.IBucket,
        api_url: lambda_.IFunctionUrl,
        app_server_origin: cloudfront.IOrigin | None = None,
        bundle_dir: str | Path | None = None,
        media_origins: Sequence[str] = (),
        upload_origins: Sequence[str] = (),
        app_origin: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        removal = removal_policy(stage)
        bundle = Path(bundle_dir) if bundle_dir else None
        if bundle is not None and not (bundle / "index.html").is_file():
            raise ValueError(f"{WEB_BUNDLE_CONTEXT}={bundle} is not a reflex export (no index.html in it)")

        self.bucket = private_bucket(
            self, "Bucket", stage, server_access_logs_bucket=access_logs, server_access_logs_prefix="web/"
        )
        self.logs = private_bucket(
            self,
            "Logs",
            stage,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,  # CloudFront writes logs with ACLs
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="web-cdn-logs/",
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
        )

        files = deployed_files(bundle) if bundle else []
        pages = page_script_hashes(bundle) if bundle else {}
        csp_prefix = _policy_prefix(connect_origins=upload_origins, media_origins=media_origins, app_origin=app_origin)
        self.routes = self._function(
            "Routes",
            f"lumi-{stage}-web-routes",
            "serve_app.py's routes: files, folders, SPA fallback",
            routes_function_code(files),
        )
        self.page_policy = self._function(
            "PagePolicy",
            f"lumi-{stage}-web-csp",
            "Each page's Content-Security-Policy",
            routes_function_code(files, pages, csp_prefix),
        )
        routes = [
            cloudfront.FunctionAssociation(
                function=self.routes, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
            ),
            cloudfront.FunctionAssociation(
                function=self.page_policy, event_type=cloudfront.FunctionEventType.VIEWER_RESPONSE
            ),
        ]

        self.revalidated = cloudfront.CachePolicy(
            self,
            "Revalidated",
            cache_policy_name=f"lumi-{stage}-web-revalidated",
            comment="Pages, sw.js, the manifest, helpers: CloudFront asks S3 (304 if unchanged) every time",
            default_ttl=cdk.Duration.seconds(0),
            min_ttl=cdk.Duration.seconds(0),
            max_ttl=cdk.Duration.seconds(1),  # > 0 so that the policy may compress
            enable_accept_encoding_brotli=True,
            enable_accept_encoding_gzip=True,
        )
        self.immutable = cloudfront.CachePolicy(
            self,
            "Immutable",
            cache_policy_name=f"lumi-{stage}-web-immutable",
            comment="Hashed build files under /assets/: a new build gives new names",
            default_ttl=cdk.Duration.days(365),
            min_ttl=cdk.Duration.days(365),
            max_ttl=cdk.Duration.days(365),
            enable_accept_encoding_brotli=True,
            enable_accept_encoding_gzip=True,
        )
        security = cloudfront.ResponseSecurityHeadersBehavior(
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
            ),
        )

        def headers(name: str, comment: str, extra: dict[str, str]) -> cloudfront.ResponseHeadersPolicy:
            return cloudfront.ResponseHeadersPolicy(
                self,
                name,
                response_headers_policy_name=f"lumi-{stage}-web-{name.lower()}",
                comment=comment,
                security_headers_behavior=security,
                custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                    custom_headers=[
                        cloudfront.ResponseCustomHeader(header=header, value=value, override=True)
                        for header, value in extra.items()
                    ]
                )
                if extra
                else None,
            )

        self.page_headers = headers("Pages", "Security headers; browsers revalidate", {"Cache-Control": NO_CACHE})
        self.asset_headers = headers("Assets", "Security headers; hashed: kept a year", {"Cache-Control": IMMUTABLE})
        self.worker_headers = headers(
            "Worker",
            "Security headers; the service worker, revalidated, for the whole app",
            {"Cache-Control": NO_CACHE, "Service-Worker-Allowed": "/"},
        )
        self.passthrough_headers = headers("Backend", "Security headers; the origin says how to cache", {})

        site = origins.S3BucketOrigin.with_origin_access_control(
            self.bucket, origin_access_levels=[cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST]
        )

        def static(cache: cloudfront.ICachePolicy, headers_policy, functions=None) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=site,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cache,
                response_headers_policy=headers_policy,
                function_associations=functions,
                compress=True,
            )

        behaviors = {
            HASHED_ASSETS_PATH: static(self.immutable, self.asset_headers),
            SERVICE_WORKER_PATH: static(self.revalidated, self.worker_headers),
        }
        api = origins.FunctionUrlOrigin.with_origin_access_control(api_url)
        for path in PUBLIC_API_PATHS:
            behaviors[path] = cloudfront.BehaviorOptions(
                origin=api,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=self.passthrough_headers,
            )
        if app_server_origin is not None:
            for path in APP_SERVER_PATHS:
                behaviors[path] = cloudfront.BehaviorOptions(
                    origin=app_server_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=self.passthrough_headers,
                    compress=False,
                )

        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"lumi-{stage} app",
            default_behavior=static(self.revalidated, self.page_headers, routes),
            additional_behaviors=behaviors,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="app/",
        )
        self.url = f"https://{self.distribution.distribution_domain_name}"
        output = cdk.CfnOutput(self, "AppUrl", value=self.url, description="Open Lumi here")
        output.override_logical_id("AppUrl")  # what make deploy prints

        self.deployment = self._deploy(bundle, stage=stage, removal=removal) if bundle is not None else None
        NagSuppressions.add_resource_suppressions(
            self.distribution,
            [
                NagPackSuppression(
                    id="AwsSolutions-CFR1", reason="Couples use Lumi wherever they are: no country is blocked."
                ),
                NagPackSuppression(
                    id="AwsSolutions-CFR2",
                    reason="A WAF web ACL (about 5 USD a month plus rules) is a later cost decision; the app "
                    "server and the API rate-limit by themselves.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-CFR4",
                    reason="Served on the default *.cloudfront.net certificate, whose TLS policy CloudFront "
                    "fixes; a custom domain with TLSv1.2_2021 needs a certificate Lumi does not have yet.",
                ),
            ],
        )

    def _function(self, id: str, name: str, comment: str, code: str) -> cloudfront.Function:
        # Tokens (the media CDN's domain) stand in for names of about their length.
        if len(code.encode()) > FUNCTION_CODE_LIMIT:
            raise ValueError(
                f"the {id} function is {len(code.encode())} bytes, over CloudFront's {FUNCTION_CODE_LIMIT}: "
                "the export has too many files or pages for it"
            )
        return cloudfront.Function(
            self,
            id,
            function_name=name,
            comment=comment,
            code=cloudfront.FunctionCode.from_inline(code),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )

    def _deploy(self, bundle: Path, *, stage: str, removal: cdk.RemovalPolicy) -> s3_deployment.BucketDeployment:
        """Upload the export (without its compressed copies) and invalidate the distribution so
        no edge keeps an old page.

        Nothing is pruned: a tab opened before a deploy still lazy-loads the old build's hashed
        route chunks. Old pages and helpers stay unreachable: the routes function serves only
        the new export's files (anything else outside ``/assets/`` gets the fallback page)."""
        log_group = logs.LogGroup(
            self, "DeploymentLogs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=removal
        )
        deployment = s3_deployment.BucketDeployment(
            self,
            "Deployment",
            sources=[
                s3_deployment.Source.asset(str(bundle), exclude=[*(f"*{s}" for s in COMPRESSED_COPIES), *NOT_DEPLOYED])
            ],
            destination_bucket=self.bucket,
            prune=False,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=512,
            log_group=log_group,
        )
        stack = cdk.Stack.of(self)
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                NagSuppressions.add_resource_suppressions(
                    child,
                    [
                        NagPackSuppression(
                            id="AwsSolutions-IAM4",
                            reason="CDK's BucketDeployment handler: AWSLambdaBasicExecutionRole grants only "
                            "CloudWatch Logs writes.",
                        ),
                        NagPackSuppression(
                            id="AwsSolutions-IAM5",
                            reason="CDK's BucketDeployment handler reads its asset objects and writes every "
                            "key of the app bucket (s3:*Object on bucket/*); it creates invalidations.",
                        ),
                        NagPackSuppression(
                            id="AwsSolutions-L1",
                            reason="CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib.",
                        ),
                    ],
                    apply_to_children=True,
                )
        return deployment
