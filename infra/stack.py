"""Lumi in AWS: one stack, one construct per feature, all shapes from ``backend.resources``.

The local stack provisions the very same definitions in the emulator
(``backend.local.bootstrap``), so names, keys, indexes, CORS and groups cannot drift.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as lambda_event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import custom_resources as cr
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.resources import (
    AFFIRMATIONS_SENDER_TIMEOUT_SECONDS,
    MEDIA_JOB_TIMEOUT_SECONDS,
    MUSIC_JOB_TIMEOUT_SECONDS,
    PASSWORD_POLICY,
    RESOURCES,
    USER_GROUPS,
    dead_letter_queue_name,
    queue_name,
    queue_shape,
)
from backend.schedules import ScheduledJob, scheduled_job
from backend.settings import Settings
from infra import assets
from infra.alarms import DeadLetterAlarms
from infra.app_server import AppServer
from infra.auth_mail import user_pool_mail
from infra.network import Network
from infra.redis import Redis
from infra.schedules import DEFAULT_JOB_TIMEOUT_SECONDS, Schedules
from infra.stages import (
    function_log_group,
    give_every_function_a_log_group,
    log_group,
    private_bucket,
    removal_policy,
)
from infra.web import WEB_BUNDLE_CONTEXT, Web

STREAM_MEMORY_MIB = 2048
STREAM_TIMEOUT_SECONDS = 300
# A 100 MP photo is 300 MB of pixels, held two or three times while it is turned and converted.
MEDIA_JOB_MEMORY_MIB = 3008
# A 200 MB original, its rendition and the PCM of its waveform fit with room to spare.
MUSIC_JOB_EPHEMERAL_STORAGE_MIB = 2048
# The media job unpacks ffmpeg (173 MB) into /tmp beside its work files: more than the 512 MB default.
MEDIA_JOB_EPHEMERAL_STORAGE_MIB = 1024


class Data(Construct):
    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        shape = RESOURCES.table
        self.table = dynamodb.TableV2(
            self,
            "Table",
            table_name=f"lumi-{stage}",
            partition_key=dynamodb.Attribute(name=shape.pk, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=shape.sk, type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.on_demand(),
            time_to_live_attribute=shape.ttl_attribute,
            dynamo_stream=dynamodb.StreamViewType[shape.stream_view],
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=dynamodb.Attribute(name=index.pk, type=dynamodb.AttributeType.STRING),
                    sort_key=dynamodb.Attribute(name=index.sk, type=dynamodb.AttributeType.STRING),
                )
                for index in shape.indexes
            ],
            removal_policy=removal_policy(stage),
            deletion_protection=stage == "prod",
        )


class Media(Construct):
    """The private media bucket, and in front of it the CDN browsers read it through.

    With a signing public key (context ``mediaSigningPublicKey``, a PEM) a CloudFront
    distribution serves the bucket through origin access control (the bucket stays private)
    and only to signed URLs of that key; the functions given to ``serve_signed_urls`` sign
    them (``backend.media.signing``). Without it there is no distribution at all (one that
    did not check signatures would publish every private object) and they sign S3 presigned
    GETs instead.
    """

    def __init__(
        self, scope: Construct, id: str, *, stage: str, app_origins: list[str], signing_public_key: str | None = None
    ) -> None:
        super().__init__(scope, id)
        self.access_logs = private_bucket(
            self, "AccessLogs", stage, lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))]
        )
        NagSuppressions.add_resource_suppressions(
            self.access_logs,
            [NagPackSuppression(id="AwsSolutions-S1", reason="This is the access-log bucket itself.")],
        )
        self.bucket_name = f"lumi-{stage}-media"
        # Its CORS rule names the app's distribution and is put at deploy time
        # (``allow_browser_origins``): a property naming it would be a cycle.
        self.bucket = private_bucket(
            self,
            "Bucket",
            stage,
            bucket_name=self.bucket_name,
            versioned=False,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="media/",
        )
        self.cdn = (
            MediaCdn(
                self,
                "Cdn",
                stage=stage,
                bucket=self.bucket,
                access_logs=self.access_logs,
                app_origins=app_origins,
                public_key_pem=signing_public_key,
            )
            if signing_public_key
            else None
        )

    def upload_origins(self) -> list[str]:
        """Where browsers post uploads (S3 presigned POSTs: the global or the regional host).

        Built from the bucket's fixed name, not its attributes: whoever lists them (the app's
        CSP) does not come to depend on the bucket, so the bucket's CORS may name the app."""
        name, region = self.bucket_name, cdk.Stack.of(self).region
        return [f"https://{name}.s3.amazonaws.com", f"https://{name}.s3.{region}.amazonaws.com"]

    def read_origins(self) -> list[str]:
        """Where browsers read media from: the CDN if there is one, else S3's presigned GETs."""
        if self.cdn is None:
            return self.upload_origins()
        return [f"https://{self.cdn.distribution.distribution_domain_name}"]

    def allow_browser_origins(self, origins: list[str]) -> None:
        """Let pages at ``origins`` post uploads to the bucket and read it through S3 (its CORS).

        The app's address is its distribution's, made after this bucket and, with a media CDN,
        after the CDN too (the pages' CSP names it): a CORS property of the bucket naming that
        address would be a cycle. So the bucket's own CORS property is left out and the rule is
        put on it at deploy time, once the distribution exists, by one ``PutBucketCors``."""
        call = cr.AwsSdkCall(
            service="S3",
            action="putBucketCors",
            parameters={
                "Bucket": self.bucket.bucket_name,
                "CORSConfiguration": RESOURCES.bucket.cors_configuration(origins),
            },
            physical_resource_id=cr.PhysicalResourceId.of(f"{self.bucket_name}-cors"),
        )
        self.browser_origins = cr.AwsCustomResource(
            self,
            "BrowserOrigins",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["s3:PutBucketCORS"], resources=[self.bucket.bucket_arn])]
            ),
            install_latest_aws_sdk=False,
            log_group=log_group(self, "BrowserOriginsLogs"),
        )
        NagSuppressions.add_resource_suppressions(
            self.browser_origins,
            [
                NagPackSuppression(id="AwsSolutions-IAM5", reason="Only s3:PutBucketCORS on the one media bucket."),
            ],
            apply_to_children=True,
        )

    def serve_signed_urls(self, function: lambda_.Function) -> None:
        """Let ``function`` hand out read URLs: CloudFront signed ones if there is a CDN, else S3's."""
        if self.cdn is None:
            function.add_environment("LUMI_MEDIA_URL_SIGNER", "s3")
            return
        function.add_environment("LUMI_MEDIA_URL_SIGNER", "cloudfront")
        function.add_environment("LUMI_MEDIA_CDN_DOMAIN", self.cdn.distribution.distribution_domain_name)
        function.add_environment("LUMI_CLOUDFRONT_KEY_PAIR_ID", self.cdn.public_key.public_key_id)
        function.add_environment("LUMI_CLOUDFRONT_PRIVATE_KEY_SECRET_ARN", self.cdn.private_key.secret_arn)
        self.cdn.private_key.grant_read(function)


def checked_signing_public_key(value: str) -> str:
    """The PEM CloudFront will trust, refused at synth unless it is an RSA-2048 public key
    (CloudFront's requirement, and what ``backend.media.signing`` signs with); a private key
    passed by mistake never reaches a template. The PEM may come on one line (newlines as
    spaces or ``\\n``: a ``-c`` value), it is written back in its canonical form."""
    match = re.fullmatch(
        r"\s*-----BEGIN PUBLIC KEY-----(.*)-----END PUBLIC KEY-----\s*", value.replace("\\n", "\n"), re.S
    )
    if match is None:
        raise ValueError("mediaSigningPublicKey must be a PEM public key (-----BEGIN PUBLIC KEY-----)")
    body = "".join(match.group(1).split())
    pem = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(textwrap.wrap(body, 64)) + "\n-----END PUBLIC KEY-----\n"
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError as error:
        raise ValueError("mediaSigningPublicKey is not a readable PEM public key") from error
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != 2048:
        raise ValueError("mediaSigningPublicKey must be an RSA 2048-bit public key")
    return pem


class MediaCdn(Construct):
    """CloudFront in front of the media bucket, for signed URLs only.

    - Origin: the bucket through origin access control (SigV4 from CloudFront; the bucket
      policy admits this distribution only), so the bucket keeps blocking public access.
    - Viewers: HTTPS only; GET and HEAD; every request must carry a signed URL of the key in
      the trusted key group (checked at the edge, before the cache).
    - Cache: the managed CachingOptimized policy. Its cache key holds no query string, header
      or cookie, so the many signed URLs of one object share one cached copy and nothing of the
      viewer reaches S3; Range requests are served as 206 (CloudFront fetches ranges from S3).
      Objects never change under a key (new uploads get new keys), so caching is safe.
    - CORS: the app's origins may read (as the bucket's own CORS rule allows for GET), added by
      CloudFront itself, since the cache does not forward the Origin header.
    - Logs: standard logs to a bucket of their own (CloudFront writes them with ACLs).
    - The private key: a Secrets Manager secret whose value the operator sets to the PEM of
      the key pair (generated offline); the template only ever holds the public half.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        bucket: s3.Bucket,
        access_logs: s3.Bucket,
        app_origins: list[str],
        public_key_pem: str,
    ) -> None:
        super().__init__(scope, id)
        shape = RESOURCES.bucket
        pem = checked_signing_public_key(public_key_pem)
        # CloudFront never changes a public key's value, only its comment: a new key is a new
        # resource (named by its fingerprint) that replaces the old one in the key group.
        fingerprint = hashlib.sha256(pem.encode()).hexdigest()[:12]
        self.public_key = cloudfront.PublicKey(
            self,
            f"SigningPublicKey{fingerprint}",
            encoded_key=pem,
            comment=f"lumi-{stage}: signs media URLs (private half in the media-signing-key secret)",
        )
        self.key_group = cloudfront.KeyGroup(
            self, "SigningKeys", items=[self.public_key], comment=f"lumi-{stage}: media URL signers"
        )
        self.private_key = secretsmanager.Secret(
            self,
            "SigningPrivateKey",
            secret_name=f"lumi-{stage}-media-signing-key",
            description="PEM private key of the CloudFront media signing key pair. Set by the operator "
            "(generated offline, the public half given as mediaSigningPublicKey); the template holds no key.",
            removal_policy=removal_policy(stage),
        )
        self.logs = private_bucket(
            self,
            "Logs",
            stage,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="cdn-logs/",
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
        )
        self.response_headers = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            response_headers_policy_name=f"lumi-{stage}-media",
            comment="CORS for the app's origins; no sniffing of user uploads",
            cors_behavior=cloudfront.ResponseHeadersCorsBehavior(
                access_control_allow_credentials=False,
                access_control_allow_headers=["Range"],
                access_control_allow_methods=["GET", "HEAD"],
                access_control_allow_origins=app_origins,
                access_control_expose_headers=list(shape.cors_expose_headers),
                access_control_max_age=cdk.Duration.seconds(3000),
                origin_override=True,
            ),
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
                ),
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"lumi-{stage} media (signed URLs only)",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.response_headers,
                trusted_key_groups=[self.key_group],
                compress=False,  # video and JPEG do not shrink; Range offsets stay the object's
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="media/",
        )
        NagSuppressions.add_resource_suppressions(
            self.distribution,
            [
                NagPackSuppression(
                    id="AwsSolutions-CFR1",
                    reason="Couples use Lumi wherever they are; every request needs a signed URL anyway.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-CFR2",
                    reason="Every request must carry a URL signed by the API for one object and one hour; "
                    "a WAF web ACL is a later cost decision.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-CFR4",
                    reason="Served on the default *.cloudfront.net certificate, whose TLS policy CloudFront "
                    "fixes; a custom domain with TLSv1.2_2021 needs a certificate Lumi does not have yet.",
                ),
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.private_key,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason="A key pair is rotated by deployment: a new public key in the key group, then "
                    "this secret set to its private half.",
                )
            ],
        )


class Auth(Construct):
    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        policy = PASSWORD_POLICY
        mail = user_pool_mail(self)  # Cognito's own sender, or SES with Lumi's words (-c sesFromAddress=)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            user_pool_name=f"lumi-{stage}-users",
            sign_in_aliases=cognito.SignInAliases(email=True),
            self_sign_up_enabled=True,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=policy["MinimumLength"],
                require_lowercase=policy["RequireLowercase"],
                require_uppercase=policy["RequireUppercase"],
                require_digits=policy["RequireNumbers"],
                require_symbols=policy["RequireSymbols"],
            ),
            # Cognito e-mails the sign-up and forgot-password codes itself; no Lambda of Lumi sends
            # mail. Locally the emulated Cognito puts them in the local outbox (backend/local/outbox.py).
            email=mail.email,
            user_verification=mail.verification,
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=removal_policy(stage),
            deletion_protection=stage == "prod",
        )
        self.client = self.user_pool.add_client(
            "App",
            user_pool_client_name="lumi-app",
            auth_flows=cognito.AuthFlow(user_password=True),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        NagSuppressions.add_resource_suppressions(
            self.user_pool,
            [
                NagPackSuppression(
                    id="AwsSolutions-COG1",
                    reason="Length-first policy (8+, a letter, a digit), as NIST SP 800-63B advises over symbol rules.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-COG8",
                    reason="Threat protection (Plus plan) is a cost decision, taken when Lumi has real users.",
                ),
            ],
        )
        for group in USER_GROUPS:
            cognito.CfnUserPoolGroup(
                self, f"Group{group.title()}", user_pool_id=self.user_pool.user_pool_id, group_name=group
            )


class Queues(Construct):
    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for shape in RESOURCES.queues:
            dlq = sqs.Queue(
                self,
                f"{shape.name.title()}Dlq",
                queue_name=dead_letter_queue_name(stage, shape),
                enforce_ssl=True,
                retention_period=cdk.Duration.days(14),
            )
            self.dead_letter_queues[shape.name] = dlq
            self.queues[shape.name] = sqs.Queue(
                self,
                shape.name.title(),
                queue_name=queue_name(stage, shape),
                enforce_ssl=True,
                visibility_timeout=cdk.Duration.seconds(shape.visibility_timeout_seconds),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=shape.max_receive_count),
            )


class Api(Construct):
    """The API Lambda (the same ``backend.api.app.handler`` the local adapter calls); it uses
    Redis (rate limits, sessions, presence, the URL cache), so it runs in the VPC."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        data: Data,
        media: Media,
        auth: Auth,
        queues: Queues,
        redis: Redis,
    ) -> None:
        super().__init__(scope, id)
        # No ffmpeg here: a moment's video is checked by the media job (``backend.jobs.media``).
        self.function = backend_function(
            self,
            "Handler",
            "backend.api.app.handler",
            {
                "LUMI_STAGE": stage,
                "LUMI_TABLE_NAME": data.table.table_name,
                "LUMI_MEDIA_BUCKET": media.bucket.bucket_name,
                "LUMI_USER_POOL_ID": auth.user_pool.user_pool_id,
                "LUMI_USER_POOL_CLIENT_ID": auth.client.user_pool_client_id,
                # Confirming a song's upload queues its music job.
                "LUMI_QUEUE_URL_MUSIC": queues.queues["music"].queue_url,
            },
            timeout_seconds=30,
            memory_mib=1024,
            service_name="lumi-api",
            **redis.lambda_placement,
        )
        data.table.grant_read_write_data(self.function)
        media.bucket.grant_read_write(self.function)
        queues.queues["music"].grant_send_messages(self.function)
        # What the API asks of the user pool as an administrator: a new account joins the default
        # group; a password reset signs the person out everywhere (and so does deleting them).
        auth.user_pool.grant(
            self.function,
            "cognito-idp:AdminAddUserToGroup",
            "cognito-idp:AdminUserGlobalSignOut",
            "cognito-idp:AdminDeleteUser",
        )
        self.url = self.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        suppress_function_findings(self.function)

    def trust_app_server(self, role: iam.IRole) -> None:
        """Let the app server's task role call the function URL, and believe the browser addresses it forwards.

        Grants ``lambda:InvokeFunctionUrl`` (and ``lambda:InvokeFunction`` through the URL
        only, which function URLs made since October 2025 also need) on this URL to
        ``role``; the API trusts ``X-Lumi-Client-Ip`` only from callers signed as it
        (``backend.api.ratelimit``).
        """
        self.url.grant_invoke_url(role)
        self.function.add_environment("LUMI_APP_SERVER_ROLE_ARN", role.role_arn)

    def app_server_environment(self) -> dict[str, str]:
        """How the app server reaches the API: the function URL, every call SigV4-signed (``backend.api_signing``)."""
        return {"LUMI_API_URL": self.url.url, "LUMI_API_AUTH": "iam", "LUMI_REGION": cdk.Stack.of(self).region}


class Realtime(Construct):
    """IoT Core for live updates.

    The custom authorizer runs ``backend.realtime.authorizer.handler``, the very rule the
    local broker enforces through ``backend.local.broker_auth``: people get their own user and
    couple topics, the service principal (the app server) exactly its subscriptions and client
    ids (``authorizer.service_policy_document``). Clients name it
    in the MQTT username: ``<username>?x-amz-customauthorizer-name=<authorizer_name>``.
    Presence cleanup runs on the EventBridge rule of its entry in ``backend.schedules``.
    """

    def __init__(self, scope: Construct, id: str, *, stage: str, data: Data, auth: Auth, redis: Redis) -> None:
        super().__init__(scope, id)
        self.stage = stage
        self._data_endpoint: str | None = None
        self.service_secret = secretsmanager.Secret(
            self,
            "ServiceSecret",
            secret_name=f"lumi-{stage}-realtime-service",
            description="Password of the realtime service principal (the Reflex backend's MQTT connection).",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=48),
            removal_policy=removal_policy(stage),
        )
        environment = {
            "LUMI_STAGE": stage,
            "LUMI_TABLE_NAME": data.table.table_name,
            "LUMI_USER_POOL_ID": auth.user_pool.user_pool_id,
            "LUMI_USER_POOL_CLIENT_ID": auth.client.user_pool_client_id,
        }

        self.authorizer_function = backend_function(
            self,
            "AuthorizerHandler",
            "backend.realtime.authorizer.handler",
            {**environment, "LUMI_REALTIME_SERVICE_SECRET_ARN": self.service_secret.secret_arn},
            timeout_seconds=5,
            **redis.lambda_placement,  # a token's session may have been revoked (Redis)
        )
        data.table.grant_read_data(self.authorizer_function)
        self.service_secret.grant_read(self.authorizer_function)
        self.authorizer_name = f"lumi-{stage}-realtime"
        self.authorizer = iot.CfnAuthorizer(
            self,
            "Authorizer",
            authorizer_name=self.authorizer_name,
            authorizer_function_arn=self.authorizer_function.function_arn,
            signing_disabled=True,  # MQTT username/password, not signed tokens
            status="ACTIVE",
        )
        self.authorizer_function.add_permission(
            "InvokedByIotCore",
            principal=iam.ServicePrincipal("iot.amazonaws.com"),
            source_arn=self.authorizer.attr_arn,
        )

        # Runs on its EventBridge rule (``infra.schedules``, from ``backend.schedules``).
        self.cleanup_function = backend_function(
            self,
            "PresenceCleanupHandler",
            scheduled_job("presence-cleanup").lambda_handler,
            environment,
            timeout_seconds=50,
            **redis.lambda_placement,
        )
        self.grant_publish(self.cleanup_function)
        for function in (self.authorizer_function, self.cleanup_function):
            suppress_function_findings(function)
        NagSuppressions.add_resource_suppressions(
            self.service_secret,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason="Rotating it means restarting the Reflex backend with the new value; done by deployment.",
                )
            ],
        )

    def app_server_environment(self) -> dict[str, str]:
        """How the app server reaches IoT Core (``lumi_app.broker``): the SDK's MQTT 5 client through the custom
        authorizer, on 443 with ALPN "mqtt", as the service principal; its secret comes from :meth:`app_server_secrets`.
        """
        return {
            "LUMI_STAGE": self.stage,
            "LUMI_REALTIME_BROKER": "iot",
            "LUMI_IOT_ENDPOINT": self.data_endpoint(),
            "LUMI_IOT_AUTHORIZER_NAME": self.authorizer_name,
            "LUMI_IOT_TRANSPORT": "mqtt",
        }

    def app_server_secrets(self) -> dict[str, ecs.Secret]:
        """The service principal's password, which ECS hands the app server's task as LUMI_REALTIME_SERVICE_SECRET."""
        return {"LUMI_REALTIME_SERVICE_SECRET": ecs.Secret.from_secrets_manager(self.service_secret)}

    def data_endpoint(self) -> str:
        """The account's IoT Core data endpoint (``iot:Data-ATS``), looked up once at deploy time.

        An MQTT client with a custom authorizer must use the account's own host (IoT Core tells
        accounts apart by it); CloudFormation has no attribute for it, so a custom resource asks
        ``iot:DescribeEndpoint``.
        """
        if self._data_endpoint is None:
            stack = cdk.Stack.of(self)
            call = cr.AwsSdkCall(
                service="Iot",
                action="describeEndpoint",
                parameters={"endpointType": "iot:Data-ATS"},
                physical_resource_id=cr.PhysicalResourceId.of(f"lumi-{self.stage}-iot-data-ats"),
            )
            lookup = cr.AwsCustomResource(
                self,
                "DataEndpoint",
                on_create=call,
                on_update=call,
                # DescribeEndpoint has no resource to name: it reads the account's endpoint address.
                policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
                install_latest_aws_sdk=False,
                log_group=log_group(self, "DataEndpointLogs"),
            )
            NagSuppressions.add_resource_suppressions(
                lookup,
                [
                    NagPackSuppression(
                        id="AwsSolutions-IAM5",
                        reason="iot:DescribeEndpoint takes no resource; it only reads the account's endpoint address.",
                        applies_to=["Resource::*"],
                    )
                ],
                apply_to_children=True,
            )
            provider = stack.node.try_find_child(_AWS_CUSTOM_RESOURCE_PROVIDER)
            if provider is not None:
                NagSuppressions.add_resource_suppressions(
                    provider,
                    [
                        NagPackSuppression(
                            id="AwsSolutions-IAM4",
                            reason="CDK's AwsCustomResource provider: AWSLambdaBasicExecutionRole (Logs only).",
                        ),
                        NagPackSuppression(
                            id="AwsSolutions-L1",
                            reason="CDK's AwsCustomResource provider picks its own Node.js runtime.",
                        ),
                    ],
                    apply_to_children=True,
                )
            self._data_endpoint = lookup.get_response_field("endpointAddress")
        return self._data_endpoint

    def grant_publish(self, function: lambda_.Function) -> None:
        """Let ``function`` publish to this stage's topics through iot-data (``Settings.publisher = "iot"``)."""
        stack = cdk.Stack.of(self)
        function.add_environment("LUMI_PUBLISHER", "iot")
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iot:Publish"],
                resources=[f"arn:{stack.partition}:iot:{stack.region}:{stack.account}:topic/lumi/{self.stage}/*"],
            )
        )


# The id of the one Lambda behind every AwsCustomResource of a stack (a singleton at the stack's root).
_AWS_CUSTOM_RESOURCE_PROVIDER = "AWS679f53fac002430cb0da5b7982bd2287"


def backend_function(
    scope: Construct,
    id: str,
    handler: str,
    environment: dict[str, str],
    *,
    timeout_seconds: int,
    memory_mib: int = 512,
    ephemeral_storage_mib: int | None = None,
    vpc: ec2.IVpc | None = None,
    security_groups: Sequence[ec2.ISecurityGroup] | None = None,
    service_name: str | None = None,
) -> lambda_.Function:
    """A Lambda running one of ``backend``'s handlers, from the same code asset as the API
    (``infra.assets``: Python 3.12 on Amazon Linux 2023, with ``requirements/lambda.txt``),
    logging to a log group of its own with the stage's retention (``infra.stages``); with a
    ``vpc``, in its private subnets (the Lambdas that use Redis)."""
    return lambda_.Function(
        scope,
        id,
        runtime=assets.RUNTIME,
        architecture=assets.ARCHITECTURE,
        handler=handler,
        code=assets.function_code(scope),
        memory_size=memory_mib,
        ephemeral_storage_size=cdk.Size.mebibytes(ephemeral_storage_mib) if ephemeral_storage_mib else None,
        timeout=cdk.Duration.seconds(timeout_seconds),
        environment={**environment, "POWERTOOLS_SERVICE_NAME": service_name or f"lumi-{id}"},
        log_group=function_log_group(scope, id),
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS) if vpc else None,
        security_groups=security_groups,
    )


def suppress_function_findings(function: lambda_.Function) -> None:
    """After its grants (suppressions only reach children that exist when they are added)."""
    NagSuppressions.add_resource_suppressions(
        function,
        [
            NagPackSuppression(id="AwsSolutions-L1", reason=assets.RUNTIME_REASON),
            NagPackSuppression(
                id="AwsSolutions-IAM4",
                reason="AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes for this function.",
            ),
            NagPackSuppression(
                id="AwsSolutions-IAM5",
                reason="Wildcards are scoped to this table's indexes, objects of the one media bucket, this "
                "stage's topic prefix lumi/{stage}/ and requests to the search domain's one index.",
            ),
        ],
        apply_to_children=True,
    )


class Workers(Construct):
    """Lambdas fed by the table's stream and by the queues, with Lambda's partial-batch reports.

    Every one of them reaches Redis (presence decides live or push delivery; the media and
    music jobs' domain modules use the signed-URL cache), so all run in the VPC."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        data: Data,
        media: Media,
        auth: Auth,
        queues: Queues,
        redis: Redis,
    ) -> None:
        super().__init__(scope, id)
        self._placement = redis.lambda_placement
        environment = {
            "LUMI_STAGE": stage,
            "LUMI_TABLE_NAME": data.table.table_name,
            "LUMI_MEDIA_BUCKET": media.bucket.bucket_name,
            "LUMI_USER_POOL_ID": auth.user_pool.user_pool_id,
            "LUMI_USER_POOL_CLIENT_ID": auth.client.user_pool_client_id,
            "LUMI_QUEUE_URL_NOTIFICATIONS": queues.queues["notifications"].queue_url,
            "LUMI_QUEUE_URL_MEDIA": queues.queues["media"].queue_url,
            "LUMI_QUEUE_URL_AFFIRMATIONS": queues.queues["affirmations"].queue_url,
            "LUMI_QUEUE_URL_DATE_REMINDERS": queues.queues["date-reminders"].queue_url,
        }
        self.environment = environment
        # Stream records that still fail after three tries are parked here, not lost.
        self.stream_failures = sqs.Queue(
            self,
            "StreamFailures",
            queue_name=f"lumi-{stage}-stream-failures",
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        NagSuppressions.add_resource_suppressions(
            self.stream_failures,
            [
                NagPackSuppression(
                    id="AwsSolutions-SQS3", reason="This queue is itself the stream's failure destination."
                )
            ],
        )
        # Cascades, counters, search and the music top lists. No ffmpeg: a new video or photo
        # is queued for the media job; memory for a batch of music-stats transactions.
        self.streams = backend_function(
            self,
            "Streams",
            "backend.streams.handler.handler",
            environment,
            timeout_seconds=STREAM_TIMEOUT_SECONDS,
            memory_mib=STREAM_MEMORY_MIB,
            **self._placement,
        )
        self.streams.add_event_source(
            lambda_event_sources.DynamoEventSource(
                data.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                # A new moment's record makes a thumbnail (seconds of ffmpeg): small batches keep
                # a burst of uploads well inside the timeout; shards work in parallel, and order
                # per item (what the handlers rely on) is kept within each.
                batch_size=10,
                parallelization_factor=4,
                retry_attempts=3,
                report_batch_item_failures=True,
                on_failure=lambda_event_sources.SqsDlq(self.stream_failures),
            )
        )
        data.table.grant_read_write_data(self.streams)
        media.bucket.grant_read_write(self.streams)
        auth.user_pool.grant(self.streams, "cognito-idp:AdminDeleteUser")

        self.notifications = backend_function(
            self,
            "NotificationSender",
            "backend.jobs.notifications.handler",
            environment,
            timeout_seconds=30,
            **self._placement,
        )
        self.notifications.add_event_source(
            lambda_event_sources.SqsEventSource(
                queues.queues["notifications"],
                batch_size=queue_shape("notifications").batch_size,
                report_batch_item_failures=True,
                max_concurrency=queue_shape("notifications").max_concurrency,
            )
        )
        data.table.grant_read_write_data(self.notifications)

        # Heavy media work (a photo's renditions with Pillow): its own queue and function, so a
        # large decode never holds up a stream shard or a request. The stream queues the jobs.
        self.media = backend_function(
            self,
            "MediaJobs",
            "backend.jobs.media.handler",
            environment,
            timeout_seconds=MEDIA_JOB_TIMEOUT_SECONDS,
            memory_mib=MEDIA_JOB_MEMORY_MIB,
            **self._placement,
            ephemeral_storage_mib=MEDIA_JOB_EPHEMERAL_STORAGE_MIB,
        )
        self.media.add_event_source(
            lambda_event_sources.SqsEventSource(
                queues.queues["media"],
                batch_size=queue_shape("media").batch_size,
                report_batch_item_failures=True,
                max_concurrency=queue_shape("media").max_concurrency,
            )
        )
        queues.queues["media"].grant_send_messages(self.streams)
        data.table.grant_read_write_data(self.media)
        media.bucket.grant_read_write(self.media)

        # A song's checks, tags, rendition, loudness and waveform (ffmpeg and mutagen): its own
        # queue and function (the API's confirm queues the jobs); room on disk for a 200 MB
        # original, its rendition and ffmpeg.
        self.music = backend_function(
            self,
            "MusicJobs",
            "backend.jobs.music.handler",
            environment,
            timeout_seconds=MUSIC_JOB_TIMEOUT_SECONDS,
            memory_mib=MEDIA_JOB_MEMORY_MIB,
            ephemeral_storage_mib=MUSIC_JOB_EPHEMERAL_STORAGE_MIB,
            **self._placement,
        )
        self.music.add_event_source(
            lambda_event_sources.SqsEventSource(
                queues.queues["music"],
                batch_size=queue_shape("music").batch_size,
                report_batch_item_failures=True,
                max_concurrency=queue_shape("music").max_concurrency,
            )
        )
        data.table.grant_read_write_data(self.music)
        media.bucket.grant_read_write(self.music)

        # Daily affirmations and date reminders: every quarter hour an aggregator Queries who
        # (and what) is due on its due index, every page, and queues them; the sender behind
        # the queue delivers each once.
        self.affirmations_aggregator, self.affirmations = self._scheduled_sender(
            data, queues, environment, "affirmations", "Affirmations", "backend.jobs.affirmations.handler"
        )
        self.date_reminders_aggregator, self.date_reminders = self._scheduled_sender(
            data, queues, environment, "date-reminders", "DateReminders", "backend.jobs.date_reminders.handler"
        )

    def _scheduled_sender(
        self,
        data: Data,
        queues: Queues,
        environment: dict[str, str],
        name: str,
        construct: str,
        sender: str,
    ) -> tuple[lambda_.Function, lambda_.Function]:
        """A scheduled job (``backend.schedules``): its aggregator (its EventBridge rule comes
        from ``infra.schedules``), its queue, and the sender behind the queue."""
        aggregator = backend_function(
            self,
            f"{construct}Aggregator",
            scheduled_job(name).lambda_handler,
            environment,
            timeout_seconds=DEFAULT_JOB_TIMEOUT_SECONDS,
            **self._placement,
        )
        data.table.grant_read_data(aggregator)  # Queries the due index and the zones
        queues.queues[name].grant_send_messages(aggregator)
        function = backend_function(
            self,
            f"{construct}Sender",
            sender,
            environment,
            timeout_seconds=AFFIRMATIONS_SENDER_TIMEOUT_SECONDS,
            **self._placement,
        )
        function.add_event_source(
            lambda_event_sources.SqsEventSource(
                queues.queues[name],
                batch_size=queue_shape(name).batch_size,
                report_batch_item_failures=True,
                max_concurrency=queue_shape(name).max_concurrency,
            )
        )
        data.table.grant_read_write_data(function)
        queues.queues["notifications"].grant_send_messages(function)
        return aggregator, function


class SearchSizing:
    """The search domain per stage (the README's cost section reads these): prod, two
    t3.medium.search data nodes in two zones (a replica of every shard survives a zone); dev,
    one t3.small.search node (OpenSearch's smallest; the index is rebuilt from the table, so a
    lost node loses nothing that cannot be made again)."""

    def __init__(self, stage: str) -> None:
        prod = stage == "prod"
        self.data_nodes = 2 if prod else 1
        self.instance_type = "t3.medium.search" if prod else "t3.small.search"
        self.volume_gib = 10


class Search(Construct):
    """The OpenSearch domain behind ``backend.search.opensearch`` (SQLite FTS5 in the local stack).

    Not in the VPC: the Lambdas that use it (in the VPC for Redis) reach its HTTPS endpoint
    through the NAT gateway. Instead the domain's resource policy names each function's role
    and what it may do (the API only searches, the stream handler writes the index); every
    request must be SigV4-signed by one of
    them, over HTTPS with TLS 1.2. Data is encrypted at rest and between nodes; two data
    nodes in two zones; application and slow logs go to CloudWatch.

    The access policy and the log groups' resource policy are plain CloudFormation
    properties and resources (CDK would apply both through custom-resource Lambdas); the
    policy names the domain by its ARN built from the fixed domain name, as the domain
    cannot refer to its own attributes.
    """

    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.index = Settings.model_fields["opensearch_index"].default
        self.music_index = f"{self.index}-music"  # as backend.search.get_music_index names it
        self.domain_name = f"lumi-{stage}-search"
        self.domain_arn = f"arn:{stack.partition}:es:{stack.region}:{stack.account}:domain/{self.domain_name}"
        self._access: list[iam.PolicyStatement] = []
        log_groups = {name: log_group(self, f"{name}Logs") for name in ("App", "SlowSearch", "SlowIndex")}
        self.log_policy = logs.CfnResourcePolicy(
            self,
            "LogPolicy",
            policy_name=f"lumi-{stage}-search-logs",
            policy_document=stack.to_json_string(
                iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            principals=[iam.ServicePrincipal("es.amazonaws.com")],
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[group.log_group_arn for group in log_groups.values()],
                            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
                        )
                    ]
                ).to_json()
            ),
        )
        sizing = SearchSizing(stage)
        self.domain = opensearch.Domain(
            self,
            "Domain",
            domain_name=self.domain_name,
            version=opensearch.EngineVersion.OPENSEARCH_2_19,
            capacity=opensearch.CapacityConfig(
                data_nodes=sizing.data_nodes,
                data_node_instance_type=sizing.instance_type,
                multi_az_with_standby_enabled=False,
            ),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=True, availability_zone_count=2)
            if sizing.data_nodes > 1
            else opensearch.ZoneAwarenessConfig(enabled=False),
            ebs=opensearch.EbsOptions(volume_size=sizing.volume_gib, volume_type=ec2.EbsDeviceVolumeType.GP3),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            logging=opensearch.LoggingOptions(
                app_log_enabled=True,
                app_log_group=log_groups["App"],
                slow_search_log_enabled=True,
                slow_search_log_group=log_groups["SlowSearch"],
                slow_index_log_enabled=True,
                slow_index_log_group=log_groups["SlowIndex"],
            ),
            suppress_logs_resource_policy=True,
            removal_policy=removal_policy(stage),
        )
        self.domain.node.add_dependency(self.log_policy)
        NagSuppressions.add_resource_suppressions(
            self.domain,
            [
                NagPackSuppression(
                    id="AwsSolutions-OS1",
                    reason="Its Lambdas reach its public endpoint through the VPC's NAT; the resource policy admits "
                    "only their roles, every request is SigV4-signed, HTTPS only.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-OS3",
                    reason="Access is limited to named IAM roles (resource policy), not to IP ranges: Lambdas "
                    "have no fixed addresses.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-OS4",
                    reason="One or two small data nodes hold one small index of derived data (rebuilt from the "
                    "table); dedicated masters come when the cluster grows past a few nodes.",
                ),
            ],
        )
        if sizing.data_nodes == 1:
            NagSuppressions.add_resource_suppressions(
                self.domain,
                [
                    NagPackSuppression(
                        id="AwsSolutions-OS7",
                        reason="dev runs one node to cost less; the index is derived data the stream rebuilds "
                        "from the table, and prod runs two nodes in two zones.",
                    )
                ],
            )

    def _environment(self) -> dict[str, str]:
        return {
            "LUMI_SEARCH_BACKEND": "opensearch",
            "LUMI_OPENSEARCH_ENDPOINT": self.domain.domain_endpoint,
            "LUMI_OPENSEARCH_INDEX": self.index,
            "LUMI_REGION": cdk.Stack.of(self).region,
        }

    def _allow(self, function: lambda_.Function, actions: list[str], resources: list[str]) -> None:
        assert function.role is not None
        for name, value in self._environment().items():
            function.add_environment(name, value)
        function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))
        self._access.append(
            iam.PolicyStatement(
                principals=[iam.ArnPrincipal(function.role.role_arn)], actions=actions, resources=resources
            )
        )
        domain = self.domain.node.default_child
        assert isinstance(domain, opensearch.CfnDomain)
        domain.access_policies = iam.PolicyDocument(statements=self._access).to_json()

    def allow_search(self, function: lambda_.Function) -> None:
        """Queries only (the API): the moments' index, and the music index (``{index}-music``,
        one ``_msearch`` for songs, albums and artists)."""
        self._allow(
            function,
            ["es:ESHttpGet", "es:ESHttpPost"],
            [f"{self.domain_arn}/{self.index}/_search", f"{self.domain_arn}/{self.music_index}/_msearch"],
        )

    def allow_indexing(self, function: lambda_.Function) -> None:
        """Create the indexes, put and delete documents, delete a couple's (the stream handler)."""
        self._allow(
            function,
            ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPut", "es:ESHttpPost", "es:ESHttpDelete"],
            [f"{self.domain_arn}/{index}{suffix}" for index in (self.index, self.music_index) for suffix in ("", "/*")],
        )


class LumiStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, stage: str, app_origins: list[str], **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.stage = stage  # read by infra.stages.stage_of (log retention)
        self.network = Network(self, "Network", stage=stage)
        self.redis = Redis(self, "Redis", stage=stage, network=self.network)
        self.data = Data(self, "Data", stage=stage)
        self.media = Media(
            self,
            "Media",
            stage=stage,
            app_origins=app_origins,
            signing_public_key=self.node.try_get_context("mediaSigningPublicKey"),
        )
        self.auth = Auth(self, "Auth", stage=stage)
        self.queues = Queues(self, "Queues", stage=stage)
        self.api = Api(
            self,
            "Api",
            stage=stage,
            data=self.data,
            media=self.media,
            auth=self.auth,
            queues=self.queues,
            redis=self.redis,
        )
        self.realtime = Realtime(self, "Realtime", stage=stage, data=self.data, auth=self.auth, redis=self.redis)
        self.realtime.grant_publish(self.api.function)  # presence heartbeats and pairing changes publish
        self.workers = Workers(
            self,
            "Workers",
            stage=stage,
            data=self.data,
            media=self.media,
            auth=self.auth,
            queues=self.queues,
            redis=self.redis,
        )
        self.search = Search(self, "Search", stage=stage)
        self.search.allow_search(self.api.function)
        self.search.allow_indexing(self.workers.streams)
        # ffmpeg only where it runs (songs; videos' checks and thumbnails); the API and the stream carry none.
        assets.attach_ffmpeg(self.workers.music, self.workers.media)
        # Three ffmpeg runs (probe, thumbnail, a retry) fit in the media job's timeout.
        self.workers.media.add_environment("LUMI_FFMPEG_TIMEOUT_SECONDS", "90")
        for function in (self.api.function, self.workers.streams):
            self.media.serve_signed_urls(function)
        notifications = self.queues.queues["notifications"]
        notifications.grant_send_messages(self.api.function)
        self.api.function.add_environment("LUMI_QUEUE_URL_NOTIFICATIONS", notifications.queue_url)
        for function in (
            self.workers.streams,
            self.workers.notifications,
            self.workers.media,
            self.workers.affirmations,
            self.workers.date_reminders,
            self.workers.music,
        ):
            self.realtime.grant_publish(function)
            suppress_function_findings(function)
        suppress_function_findings(self.workers.affirmations_aggregator)  # reads the table, sends to SQS
        suppress_function_findings(self.workers.date_reminders_aggregator)
        for function in self.redis_users():
            self.redis.connect(function)
        self.app_server = AppServer(
            self,
            "AppServer",
            stage=stage,
            network=self.network,
            redis=self.redis,
            environment={**self.api.app_server_environment(), **self.realtime.app_server_environment()},
            secrets=self.realtime.app_server_secrets(),
        )
        self.api.trust_app_server(self.app_server.task_role)
        self.web = Web(
            self,
            "Web",
            stage=stage,
            access_logs=self.media.access_logs,
            api_url=self.api.url,
            app_server_origin=self.app_server.origin,
            bundle_dir=self.node.try_get_context(WEB_BUNDLE_CONTEXT),
            media_origins=self.media.read_origins(),
            upload_origins=self.media.upload_origins(),
        )
        # The app and its backend share one origin: the app's distribution (Reflex checks the
        # websocket's Origin against it; links in e-mails point at it).
        app_url = f"https://{self.web.distribution.distribution_domain_name}"
        self.app_server.container.add_environment("LUMI_APP_ORIGIN", app_url)
        self.app_server.container.add_environment("LUMI_APP_BACKEND_URL", app_url)
        self._publish_public_api_url(stage, self.web.url)
        self.media.allow_browser_origins([self.web.url])
        self.schedules = Schedules(
            self,
            "Schedules",
            stage=stage,
            functions={
                "presence-cleanup": self.realtime.cleanup_function,
                "affirmations": self.workers.affirmations_aggregator,
                "date-reminders": self.workers.date_reminders_aggregator,
            },
            make_function=self._scheduled_job_function,
        )
        self.alarms = DeadLetterAlarms(
            self,
            "Alarms",
            stage=stage,
            dead_letter_queues={
                **{f"{name}-dlq": queue for name, queue in self.queues.dead_letter_queues.items()},
                "stream-failures": self.workers.stream_failures,
            },
            hints={
                **{
                    f"{name}-dlq": f"Read the logs, fix the cause, then: python -m backend.jobs.redrive --queue {name}"
                    for name in self.queues.dead_letter_queues
                },
                "stream-failures": "Each message names the shard and sequence numbers of stream records the "
                "handlers gave up on (the stream keeps them 24 hours): read the logs, fix, replay them.",
            },
            email=self.node.try_get_context("alarmEmail"),
        )
        give_every_function_a_log_group(self)  # keep last: reaches every Lambda made above

    def _publish_public_api_url(self, stage: str, url: str) -> None:
        """The calendar feed's links point at the app's distribution (``/calendar/*.ics`` reaches
        the API through it). The distribution depends on the API's function URL, so the API
        cannot be given its address in an environment variable (a cycle): the stack writes it
        to an SSM parameter of a fixed name, which the API reads once per process
        (``backend.domain.dates.public_api_base``)."""
        name = f"/lumi/{stage}/public-api-url"
        ssm.StringParameter(
            self,
            "PublicApiUrl",
            parameter_name=name,
            string_value=url,
            description="Where calendar apps fetch a person's .ics feed (the app's CloudFront distribution)",
        )
        self.api.function.add_environment("LUMI_PUBLIC_API_URL_PARAMETER", name)
        self.api.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ssm:GetParameter"],
                resources=[f"arn:{self.partition}:ssm:{self.region}:{self.account}:parameter{name}"],
            )
        )

    def _scheduled_job_function(self, scope: Construct, id: str, job: ScheduledJob) -> lambda_.Function:
        """A job in ``backend.schedules`` that no construct made a function for: the workers'
        environment, reading the table; grant it more where its work lives."""
        function = backend_function(
            scope, id, job.lambda_handler, self.workers.environment, timeout_seconds=DEFAULT_JOB_TIMEOUT_SECONDS
        )
        self.data.table.grant_read_data(function)
        suppress_function_findings(function)
        return function

    def redis_users(self) -> list[lambda_.Function]:
        """The Lambdas that use Redis, each placed in the VPC with ``Redis.lambda_placement``."""
        return [
            self.api.function,
            self.realtime.authorizer_function,
            self.realtime.cleanup_function,
            self.workers.streams,
            self.workers.notifications,
            self.workers.media,
            self.workers.music,
            self.workers.affirmations_aggregator,
            self.workers.affirmations,
            self.workers.date_reminders_aggregator,
            self.workers.date_reminders,
        ]
