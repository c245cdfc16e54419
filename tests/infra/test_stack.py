"""The CDK app synthesizes, passes cdk-nag, and builds the shapes the local stack uses."""

from __future__ import annotations

import json

import pytest

from backend.resources import RESOURCES, USER_GROUPS
from backend.schedules import scheduled_job
from tests.infra.synthesis import Synth, synth


@pytest.fixture(scope="module")
def synthesized(dev: Synth):
    """The dev stage (from the session's cache, ``conftest.synth``): its template and annotations."""
    return dev.template, dev.messages


def resources_of(template, kind: str) -> list[dict]:
    return list(template.find_resources(kind).values())


def test_cdk_nag_reports_no_errors(synthesized):
    _, messages = synthesized
    errors = [f"{m.id}: {m.entry.data}" for m in messages if m.level.name == "ERROR"]
    assert errors == []


def test_table_has_the_keys_indexes_stream_and_ttl_of_the_local_stack(synthesized):
    template, _ = synthesized
    (table,) = resources_of(template, "AWS::DynamoDB::GlobalTable")
    props = table["Properties"]
    assert props["TableName"] == "lumi-dev"
    assert {k["AttributeName"]: k["KeyType"] for k in props["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    assert props["StreamSpecification"] == {"StreamViewType": RESOURCES.table.stream_view}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert sorted(i["IndexName"] for i in props["GlobalSecondaryIndexes"]) == [i.name for i in RESOURCES.table.indexes]


def test_media_bucket_is_private_with_cors_for_the_app(synthesized):
    template, _ = synthesized
    media = [
        b for b in resources_of(template, "AWS::S3::Bucket") if b["Properties"].get("BucketName") == "lumi-dev-media"
    ]
    (bucket,) = media
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    # the app's origin is its distribution's, known at deploy time: the rule is put then
    assert "CorsConfiguration" not in props
    (web_distribution,) = [
        i
        for i, d in template.find_resources("AWS::CloudFront::Distribution").items()
        if d["Properties"]["DistributionConfig"]["Comment"] == "lumi-dev app"
    ]
    (put,) = [
        r["Properties"]["Create"]["Fn::Join"][1]
        for i, r in template.find_resources("Custom::AWS").items()
        if "putBucketCors" in json.dumps(r["Properties"]["Create"])
    ]
    media_id = next(
        i
        for i, b in template.find_resources("AWS::S3::Bucket").items()
        if b["Properties"].get("BucketName") == "lumi-dev-media"
    )
    assert put[1] == {"Ref": media_id}
    assert put[3] == {"Fn::GetAtt": [web_distribution, "DomainName"]}
    call = json.loads("".join(part if isinstance(part, str) else "ref" for part in put))
    (rule,) = call["parameters"]["CORSConfiguration"]["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://ref"]
    assert set(rule["AllowedMethods"]) == set(RESOURCES.bucket.cors_methods)


def test_user_pool_has_every_group(synthesized):
    template, _ = synthesized
    groups = {g["Properties"]["GroupName"] for g in resources_of(template, "AWS::Cognito::UserPoolGroup")}
    assert groups == set(USER_GROUPS)


def test_queues_send_to_a_dead_letter_queue_after_three_receives(synthesized):
    template, _ = synthesized
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in resources_of(template, "AWS::SQS::Queue")}
    for shape in RESOURCES.queues:
        redrive = queues[f"lumi-dev-{shape.name}"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 3
        assert f"lumi-dev-{shape.name}-dlq" in queues


def _function_with_handler(template, handler: str) -> tuple[str, dict]:
    (match,) = [
        (logical_id, resource)
        for logical_id, resource in template.find_resources("AWS::Lambda::Function").items()
        if resource["Properties"]["Handler"] == handler
    ]
    return match


def test_presence_cleanup_runs_every_minute_on_eventbridge(synthesized):
    template, _ = synthesized
    assert scheduled_job("presence-cleanup").expression == "rate(1 minute)"
    cleanup_id, cleanup = _function_with_handler(template, "backend.jobs.presence_cleanup.handler")
    (rule,) = [
        r
        for r in resources_of(template, "AWS::Events::Rule")
        if r["Properties"].get("Name") == "lumi-dev-presence-cleanup"
    ]
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    assert rule["Properties"]["State"] == "ENABLED"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [cleanup_id, "Arn"]}
    assert cleanup["Properties"]["Environment"]["Variables"]["LUMI_PUBLISHER"] == "iot"


@pytest.mark.parametrize(
    ("job", "module", "variable"),
    [
        ("affirmations", "affirmations", "LUMI_QUEUE_URL_AFFIRMATIONS"),
        ("date-reminders", "date_reminders", "LUMI_QUEUE_URL_DATE_REMINDERS"),
    ],
)
def test_scheduled_jobs_run_every_quarter_hour_into_their_queue_and_sender(synthesized, job, module, variable):
    template, _ = synthesized
    aggregator_id, aggregator = _function_with_handler(template, f"backend.jobs.{module}.aggregator_handler")
    (rule,) = [
        r for r in resources_of(template, "AWS::Events::Rule") if r["Properties"].get("Name") == f"lumi-dev-{job}"
    ]
    assert rule["Properties"]["ScheduleExpression"] == "cron(0/15 * * * ? *)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [aggregator_id, "Arn"]}
    assert variable in aggregator["Properties"]["Environment"]["Variables"]

    sender_id, _sender = _function_with_handler(template, f"backend.jobs.{module}.handler")
    (mapping,) = [
        m["Properties"]
        for m in resources_of(template, "AWS::Lambda::EventSourceMapping")
        if m["Properties"]["FunctionName"] == {"Ref": sender_id}
    ]
    assert mapping["BatchSize"] == 1 and mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] >= 2


def test_the_iot_custom_authorizer_runs_the_realtime_authorizer(synthesized):
    template, _ = synthesized
    function_id, function = _function_with_handler(template, "backend.realtime.authorizer.handler")
    (authorizer,) = resources_of(template, "AWS::IoT::Authorizer")
    props = authorizer["Properties"]
    assert props["AuthorizerName"] == "lumi-dev-realtime"
    assert props["AuthorizerFunctionArn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert props["SigningDisabled"] is True and props["Status"] == "ACTIVE"
    permissions = [
        p["Properties"]
        for p in resources_of(template, "AWS::Lambda::Permission")
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert [p["Principal"] for p in permissions] == ["iot.amazonaws.com"]
    assert "SourceArn" in permissions[0]
    variables = function["Properties"]["Environment"]["Variables"]
    assert {"LUMI_STAGE", "LUMI_TABLE_NAME", "LUMI_USER_POOL_ID", "LUMI_USER_POOL_CLIENT_ID"} <= set(variables)
    assert "LUMI_REALTIME_SERVICE_SECRET_ARN" in variables and "LUMI_REALTIME_SERVICE_SECRET" not in variables


def _publish_statements(template) -> list[dict]:
    return [
        statement
        for policy in resources_of(template, "AWS::IAM::Policy")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "iot:Publish"
    ]


def test_server_code_publishes_through_iot_data_to_its_stage_only(synthesized):
    template, _ = synthesized
    _, api = _function_with_handler(template, "backend.api.app.handler")
    assert api["Properties"]["Environment"]["Variables"]["LUMI_PUBLISHER"] == "iot"
    statements = _publish_statements(template)
    # the API, presence cleanup, stream handlers, notification sender, media job, affirmations
    # and date reminder senders, music job
    assert len(statements) == 8
    for statement in statements:
        resource = "".join(part if isinstance(part, str) else "<ref>" for part in statement["Resource"]["Fn::Join"][1])
        assert resource.endswith(":topic/lumi/dev/*"), resource


def test_stream_and_queue_workers_report_partial_batch_failures(synthesized):
    template, _ = synthesized
    mappings = resources_of(template, "AWS::Lambda::EventSourceMapping")
    by_source = {
        "stream": [m for m in mappings if "StreamArn" in str(m["Properties"].get("EventSourceArn"))],
        "queue": [m for m in mappings if "Queue" in str(m["Properties"].get("EventSourceArn"))],
    }
    assert by_source["stream"] and by_source["queue"]
    for mapping in by_source["stream"] + by_source["queue"]:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (stream,) = by_source["stream"]
    assert stream["Properties"]["MaximumRetryAttempts"] == 3
    assert "DestinationConfig" in stream["Properties"]


# ---------------------------------------------------------------- search and media work


def _domain(template) -> dict:
    (domain,) = resources_of(template, "AWS::OpenSearchService::Domain")
    return domain["Properties"]


def _role_of(template, handler: str) -> dict:
    _, function = _function_with_handler(template, handler)
    return function["Properties"]["Role"]


def test_the_api_may_add_to_the_default_group_and_sign_out_everywhere(synthesized):
    """Sign-up, a password reset (every session signed out) and deleting an account call these."""
    template, _ = synthesized
    role = _role_of(template, "backend.api.app.handler")["Fn::GetAtt"][0]
    actions = set()
    for policy in resources_of(template, "AWS::IAM::Policy"):
        if {"Ref": role} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                granted = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                actions |= {action for action in granted if action.startswith("cognito-idp:")}
    assert actions == {
        "cognito-idp:AdminAddUserToGroup",
        "cognito-idp:AdminUserGlobalSignOut",
        "cognito-idp:AdminDeleteUser",
    }


def _joined(value) -> str:
    """An ARN built with Fn::Join, pseudo parameters shown as <ref>."""
    if isinstance(value, str):
        return value
    return "".join(part if isinstance(part, str) else "<ref>" for part in value["Fn::Join"][1])


def test_the_prod_search_domain_has_two_nodes_in_two_zones(prod):
    (domain,) = prod.resources("AWS::OpenSearchService::Domain").values()
    cluster = domain["Properties"]["ClusterConfig"]
    assert cluster["InstanceCount"] == 2 and cluster["InstanceType"] == "t3.medium.search"
    assert cluster["ZoneAwarenessEnabled"] is True
    assert cluster["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 2}


def test_the_search_domain_is_encrypted_and_speaks_only_https(synthesized):
    template, _ = synthesized
    props = _domain(template)
    assert props["DomainName"] == "lumi-dev-search"
    assert props["EngineVersion"].startswith("OpenSearch_")
    assert props["EncryptionAtRestOptions"] == {"Enabled": True}
    assert props["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert props["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert props["DomainEndpointOptions"]["TLSSecurityPolicy"] == "Policy-Min-TLS-1-2-2019-07"
    # dev: one t3.small.search node (the index is rebuilt from the table)
    assert props["ClusterConfig"]["ZoneAwarenessEnabled"] is False
    assert props["ClusterConfig"]["InstanceCount"] == 1
    assert props["ClusterConfig"]["InstanceType"] == "t3.small.search"
    assert {"ES_APPLICATION_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS"} <= set(props["LogPublishingOptions"])
    # no VPC: access is decided by the resource policy alone
    assert "VPCOptions" not in props
    # OpenSearch may write its logs (a plain resource policy, no custom-resource Lambda)
    (log_policy,) = resources_of(template, "AWS::Logs::ResourcePolicy")
    assert "es.amazonaws.com" in json.dumps(log_policy["Properties"]["PolicyDocument"])
    assert not template.find_resources("Custom::OpenSearchAccessPolicy")
    assert not template.find_resources("Custom::CloudwatchLogResourcePolicy")


def test_the_search_domain_admits_only_the_api_and_stream_roles(synthesized):
    template, _ = synthesized
    statements = _domain(template)["AccessPolicies"]["Statement"]
    by_role = {json.dumps(s["Principal"]["AWS"], sort_keys=True): s for s in statements}
    api_role = json.dumps(_role_of(template, "backend.api.app.handler"), sort_keys=True)
    streams_role = json.dumps(_role_of(template, "backend.streams.handler.handler"), sort_keys=True)
    assert set(by_role) == {api_role, streams_role}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] != "*" and statement["Principal"]["AWS"] != "*"
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            assert ":domain/lumi-dev-search/lumi-moments" in _joined(resource)
    # the API only searches; the stream handler writes the index
    api = by_role[api_role]
    assert set(api["Action"]) == {"es:ESHttpGet", "es:ESHttpPost"}
    paths = sorted(_joined(resource).split(":domain/lumi-dev-search/")[1] for resource in api["Resource"])
    assert paths == ["lumi-moments-music/_msearch", "lumi-moments/_search"]
    assert {"es:ESHttpPut", "es:ESHttpDelete", "es:ESHttpPost"} <= set(by_role[streams_role]["Action"])


def test_api_and_stream_handlers_are_pointed_at_the_search_domain(synthesized):
    template, _ = synthesized
    (domain_id,) = template.find_resources("AWS::OpenSearchService::Domain")
    for handler in ("backend.api.app.handler", "backend.streams.handler.handler"):
        _, function = _function_with_handler(template, handler)
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["LUMI_SEARCH_BACKEND"] == "opensearch"
        assert variables["LUMI_OPENSEARCH_ENDPOINT"] == {"Fn::GetAtt": [domain_id, "DomainEndpoint"]}
        assert variables["LUMI_OPENSEARCH_INDEX"] == "lumi-moments"
        assert variables["LUMI_REGION"] == {"Ref": "AWS::Region"}
    # and their roles may call it (identity side as well as the domain's resource policy)
    actions = {
        action
        for policy in resources_of(template, "AWS::IAM::Policy")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    }
    assert {"es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"} <= actions


def test_the_stream_handler_carries_no_ffmpeg_and_the_media_job_does(synthesized):
    template, _ = synthesized
    _, streams = _function_with_handler(template, "backend.streams.handler.handler")
    props = streams["Properties"]
    assert props["MemorySize"] >= 2048 and props["Timeout"] >= 300
    assert "Layers" not in props and "LUMI_FFMPEG_PATH" not in props["Environment"]["Variables"]
    _, media = _function_with_handler(template, "backend.jobs.media.handler")
    # ffmpeg comes from the layer infra.assets builds (tests/infra/test_assets.py checks it)
    assert len(media["Properties"]["Layers"]) == 1
    variables = media["Properties"]["Environment"]["Variables"]
    assert variables["LUMI_FFMPEG_PATH"] == "/opt/ffmpeg/ffmpeg.gz"
    assert float(variables["LUMI_FFMPEG_TIMEOUT_SECONDS"]) * 3 < media["Properties"]["Timeout"]


def test_the_music_job_runs_behind_its_queue_which_the_api_feeds(synthesized):
    template, _ = synthesized
    music_id, music = _function_with_handler(template, "backend.jobs.music.handler")
    props = music["Properties"]
    assert props["Timeout"] == 300 and props["MemorySize"] >= 2048 and props["EphemeralStorage"] == {"Size": 2048}
    (mapping,) = [
        m
        for m in resources_of(template, "AWS::Lambda::EventSourceMapping")
        if m["Properties"]["FunctionName"] == {"Ref": music_id}
    ]
    assert "Music" in json.dumps(mapping["Properties"]["EventSourceArn"])
    assert mapping["Properties"]["BatchSize"] == 1
    assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 2}
    queues = {q["Properties"]["QueueName"]: q for q in resources_of(template, "AWS::SQS::Queue")}
    assert queues["lumi-dev-music"]["Properties"]["VisibilityTimeout"] == 6 * 300
    _, api = _function_with_handler(template, "backend.api.app.handler")
    assert "LUMI_QUEUE_URL_MUSIC" in api["Properties"]["Environment"]["Variables"]


# ---------------------------------------------------------------- media through CloudFront

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # the managed policy's fixed id
URL_SIGNING_FUNCTIONS = ("backend.api.app.handler", "backend.streams.handler.handler")


def _rsa_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _synth(context: dict):
    synthesized = synth("dev", **context)
    return synthesized.template, synthesized.messages


@pytest.fixture(scope="module")
def signing_public_key() -> str:
    return _public_pem(_rsa_key())


@pytest.fixture(scope="module")
def with_cdn(signing_public_key: str):
    """The stack given a media signing public key, as ``cdk -c mediaSigningPublicKey="$(cat public.pem)"``."""
    return _synth({"mediaSigningPublicKey": signing_public_key})


def _media_resources(template, kind: str) -> dict:
    """Resources of ``kind`` but the app's distribution's (``Web``: tests/infra/test_web.py)."""
    return {i: r for i, r in template.find_resources(kind).items() if not i.startswith("Web")}


def _only(template, kind: str) -> tuple[str, dict]:
    (match,) = _media_resources(template, kind).items()
    return match


def _variables(template, handler: str) -> dict:
    _, function = _function_with_handler(template, handler)
    return function["Properties"]["Environment"]["Variables"]


def test_without_a_signing_key_there_is_no_cdn_and_urls_are_s3_presigned(synthesized):
    template, _ = synthesized
    # an unsigned distribution would publish the private bucket: none at all
    for kind in (
        "AWS::CloudFront::Distribution",
        "AWS::CloudFront::PublicKey",
        "AWS::CloudFront::KeyGroup",
        "AWS::CloudFront::OriginAccessControl",
    ):
        assert not _media_resources(template, kind), kind
    secrets = {s["Properties"]["Name"] for s in resources_of(template, "AWS::SecretsManager::Secret")}
    assert "lumi-dev-media-signing-key" not in secrets
    for handler in URL_SIGNING_FUNCTIONS:
        variables = _variables(template, handler)
        assert variables["LUMI_MEDIA_URL_SIGNER"] == "s3"
        assert not {name for name in variables if "CLOUDFRONT" in name or "CDN" in name}


def test_cdk_nag_reports_no_errors_with_the_cdn(with_cdn):
    _, messages = with_cdn
    errors = [f"{m.id}: {m.entry.data}" for m in messages if m.level.name == "ERROR"]
    assert errors == []


def test_the_cdn_serves_the_media_bucket_through_origin_access_control_over_https_only(with_cdn):
    template, _ = with_cdn
    _, distribution = _only(template, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    (bucket_id,) = [
        logical_id
        for logical_id, bucket in template.find_resources("AWS::S3::Bucket").items()
        if bucket["Properties"].get("BucketName") == "lumi-dev-media"
    ]
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}
    # origin access control (SigV4, always), not an identity and not a public website endpoint
    oac_id, oac = _only(template, "AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert oac["Properties"]["OriginAccessControlConfig"] | {"Name": None} == {
        "Name": None,
        "OriginAccessControlOriginType": "s3",
        "SigningBehavior": "always",
        "SigningProtocol": "sigv4",
    }
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "https-only"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    # CachingOptimized: no query string, header or cookie in the cache key or sent to S3
    # (signed URLs of one object share a copy); Range requests still reach S3 and answer 206
    assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
    assert "OriginRequestPolicyId" not in behavior and "ForwardedValues" not in behavior
    assert config.get("CacheBehaviors", []) == []


def test_the_cdn_only_serves_urls_signed_by_the_given_public_key(with_cdn, signing_public_key: str):
    template, _ = with_cdn
    _, distribution = _only(template, "AWS::CloudFront::Distribution")
    behavior = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    group_id, group = _only(template, "AWS::CloudFront::KeyGroup")
    key_id, key = _only(template, "AWS::CloudFront::PublicKey")
    assert behavior["TrustedKeyGroups"] == [{"Ref": group_id}]
    assert group["Properties"]["KeyGroupConfig"]["Items"] == [{"Ref": key_id}]
    assert key["Properties"]["PublicKeyConfig"]["EncodedKey"].strip() == signing_public_key.strip()


def test_the_media_bucket_stays_private_and_admits_only_this_distribution(with_cdn):
    template, _ = with_cdn
    (bucket_id, bucket) = next(
        (logical_id, b)
        for logical_id, b in template.find_resources("AWS::S3::Bucket").items()
        if b["Properties"].get("BucketName") == "lumi-dev-media"
    )
    assert set(bucket["Properties"]["PublicAccessBlockConfiguration"].values()) == {True}
    distribution_id, _ = _only(template, "AWS::CloudFront::Distribution")
    (policy,) = [
        p for p in resources_of(template, "AWS::S3::BucketPolicy") if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    # besides CloudFront, only the provider that empties dev's buckets when the stack goes (infra.stages)
    (allow,) = [
        s
        for s in allows
        if not json.dumps(s["Principal"]).startswith('{"AWS": {"Fn::GetAtt": ["CustomS3AutoDeleteObjects')
    ]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = _joined(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert source.endswith(":distribution/<ref>")
    assert {"Ref": distribution_id} in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]


def test_the_cdn_logs_and_answers_cors_for_the_app(with_cdn):
    template, _ = with_cdn
    _, distribution = _only(template, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    logs_id = config["Logging"]["Bucket"]["Fn::GetAtt"][0]
    logs = template.find_resources("AWS::S3::Bucket")[logs_id]["Properties"]
    # CloudFront standard logs are written with ACLs; the log bucket itself is private
    assert logs["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    assert set(logs["PublicAccessBlockConfiguration"].values()) == {True}
    headers_id, headers = _only(template, "AWS::CloudFront::ResponseHeadersPolicy")
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {"Ref": headers_id}
    cors = headers["Properties"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert cors["AccessControlAllowOrigins"] == {"Items": ["https://app.example"]}
    assert cors["AccessControlAllowMethods"] == {"Items": ["GET", "HEAD"]}
    assert "Content-Range" in cors["AccessControlExposeHeaders"]["Items"]
    assert cors["AccessControlAllowCredentials"] is False


def test_the_private_key_is_a_secret_the_operator_sets_and_the_signers_read(with_cdn):
    template, _ = with_cdn
    (secret_id, secret) = next(
        (logical_id, s)
        for logical_id, s in template.find_resources("AWS::SecretsManager::Secret").items()
        if s["Properties"]["Name"] == "lumi-dev-media-signing-key"
    )
    # no key in the template: only a placeholder generated at creation, replaced by the operator
    assert "SecretString" not in secret["Properties"]
    assert "PRIVATE KEY" not in json.dumps(template.to_json())
    distribution_id, _ = _only(template, "AWS::CloudFront::Distribution")
    key_id, _ = _only(template, "AWS::CloudFront::PublicKey")
    readers = []
    for handler in URL_SIGNING_FUNCTIONS:
        variables = _variables(template, handler)
        assert variables["LUMI_MEDIA_URL_SIGNER"] == "cloudfront"
        assert variables["LUMI_MEDIA_CDN_DOMAIN"] == {"Fn::GetAtt": [distribution_id, "DomainName"]}
        assert variables["LUMI_CLOUDFRONT_KEY_PAIR_ID"] == {"Ref": key_id}
        assert variables["LUMI_CLOUDFRONT_PRIVATE_KEY_SECRET_ARN"] == {"Ref": secret_id}
        assert "LUMI_CLOUDFRONT_PRIVATE_KEY" not in variables
        readers.append(_role_of(template, handler))
    granted = [
        policy["Properties"]["Roles"]
        for policy in resources_of(template, "AWS::IAM::Policy")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Resource"] == {"Ref": secret_id} and "secretsmanager:GetSecretValue" in statement["Action"]
    ]
    assert sorted(json.dumps(role) for roles in granted for role in roles) == sorted(
        json.dumps({"Ref": role["Fn::GetAtt"][0]}) for role in readers
    )


def test_a_new_signing_key_is_a_new_cloudfront_public_key(signing_public_key: str):
    """CloudFront cannot change a public key's value: a rotation must create another one."""
    first, _ = _synth({"mediaSigningPublicKey": signing_public_key})
    second, _ = _synth({"mediaSigningPublicKey": _public_pem(_rsa_key())})
    assert set(first.find_resources("AWS::CloudFront::PublicKey")).isdisjoint(
        second.find_resources("AWS::CloudFront::PublicKey")
    )


def test_a_public_key_given_on_one_line_is_stored_as_its_pem(signing_public_key: str):
    """``-c`` values are easiest passed on one line: ``"$(tr '\\n' ' ' < public.pem)"``."""
    from infra.stack import checked_signing_public_key

    for one_line in (signing_public_key.replace("\n", " "), signing_public_key.replace("\n", "\\n")):
        assert checked_signing_public_key(one_line) == signing_public_key


@pytest.mark.parametrize("kind", ["private key", "not a key", "rsa 4096"])
def test_anything_but_an_rsa_2048_public_key_is_refused_at_synth(kind: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    values = {
        "private key": lambda: (
            _rsa_key()
            .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            .decode()
        ),
        "not a key": lambda: "ssh-rsa AAAA…",
        "rsa 4096": lambda: _public_pem(rsa.generate_private_key(public_exponent=65537, key_size=4096)),
    }
    with pytest.raises(ValueError, match="mediaSigningPublicKey"):
        _synth({"mediaSigningPublicKey": values[kind]()})


def test_the_api_reads_the_feeds_public_address_from_the_parameter_the_stack_writes(dev: Synth):
    (parameter,) = dev.resources("AWS::SSM::Parameter").values()
    name = parameter["Properties"]["Name"]
    assert name == "/lumi/dev/public-api-url"
    (distribution_id,) = [
        i
        for i, d in dev.resources("AWS::CloudFront::Distribution").items()
        if d["Properties"]["DistributionConfig"]["Comment"] == "lumi-dev app"
    ]
    assert parameter["Properties"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]
    }
    _, api = _function_with_handler(dev.template, "backend.api.app.handler")
    assert api["Properties"]["Environment"]["Variables"]["LUMI_PUBLIC_API_URL_PARAMETER"] == name
    reads = [
        statement
        for policy in resources_of(dev.template, "AWS::IAM::Policy")
        if {"Ref": api["Properties"]["Role"]["Fn::GetAtt"][0]} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "ssm:GetParameter"
    ]
    assert len(reads) == 1 and json.dumps(reads[0]["Resource"]).endswith(':parameter/lumi/dev/public-api-url"]]}')
