"""Lumi in AWS: one stack, one construct per feature, all shapes from ``backend.resources``.

The local stack provisions the very same definitions in the emulator
(``backend.local.bootstrap``), so names, keys, indexes, CORS and groups cannot drift.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from backend.resources import PASSWORD_POLICY, RESOURCES, USER_GROUPS, dead_letter_queue_name, queue_name

BACKEND_DIR = Path(__file__).resolve().parent.parent / "backend"


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
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )


class Media(Construct):
    def __init__(self, scope: Construct, id: str, *, stage: str, app_origins: list[str]) -> None:
        super().__init__(scope, id)
        shape = RESOURCES.bucket
        cors = shape.cors_configuration(app_origins)["CORSRules"][0]
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        NagSuppressions.add_resource_suppressions(
            self.access_logs,
            [NagPackSuppression(id="AwsSolutions-S1", reason="This is the access-log bucket itself.")],
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=f"lumi-{stage}-media",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=False,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="media/",
            cors=[
                s3.CorsRule(
                    allowed_origins=cors["AllowedOrigins"],
                    allowed_methods=[s3.HttpMethods[m] for m in cors["AllowedMethods"]],
                    allowed_headers=cors["AllowedHeaders"],
                    exposed_headers=cors["ExposeHeaders"],
                    max_age=cors["MaxAgeSeconds"],
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )


class Auth(Construct):
    def __init__(self, scope: Construct, id: str, *, stage: str) -> None:
        super().__init__(scope, id)
        policy = PASSWORD_POLICY
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
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=cdk.RemovalPolicy.RETAIN,
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
                    reason="Length-first policy (8+, a letter and a digit) as NIST SP 800-63B advises over symbol rules.",
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
        for shape in RESOURCES.queues:
            dlq = sqs.Queue(
                self,
                f"{shape.name.title()}Dlq",
                queue_name=dead_letter_queue_name(stage, shape),
                enforce_ssl=True,
                retention_period=cdk.Duration.days(14),
            )
            self.queues[shape.name] = sqs.Queue(
                self,
                shape.name.title(),
                queue_name=queue_name(stage, shape),
                enforce_ssl=True,
                visibility_timeout=cdk.Duration.seconds(shape.visibility_timeout_seconds),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=shape.max_receive_count),
            )


class Api(Construct):
    """The API Lambda (the same ``backend.api.app.handler`` the local adapter calls)."""

    def __init__(self, scope: Construct, id: str, *, stage: str, data: Data, media: Media, auth: Auth) -> None:
        super().__init__(scope, id)
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.ARM_64,
            handler="backend.api.app.handler",
            code=lambda_.Code.from_asset(
                str(BACKEND_DIR.parent), exclude=["*", "!backend", "!backend/**", "**/__pycache__", "backend/local"]
            ),
            memory_size=1024,
            timeout=cdk.Duration.seconds(15),
            environment={
                "LUMI_STAGE": stage,
                "LUMI_TABLE_NAME": data.table.table_name,
                "LUMI_MEDIA_BUCKET": media.bucket.bucket_name,
                "LUMI_USER_POOL_ID": auth.user_pool.user_pool_id,
                "LUMI_USER_POOL_CLIENT_ID": auth.client.user_pool_client_id,
                "POWERTOOLS_SERVICE_NAME": "lumi-api",
            },
        )
        data.table.grant_read_write_data(self.function)
        media.bucket.grant_read_write(self.function)
        self.url = self.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.AWS_IAM)
        NagSuppressions.add_resource_suppressions(
            self.function,
            [
                NagPackSuppression(id="AwsSolutions-L1", reason="Lumi targets Python 3.11, the version it is tested on."),
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason="AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes for this function.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="Wildcards are scoped to this table's indexes and objects of the one media bucket.",
                ),
            ],
            apply_to_children=True,
        )


class LumiStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, stage: str, app_origins: list[str], **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.data = Data(self, "Data", stage=stage)
        self.media = Media(self, "Media", stage=stage, app_origins=app_origins)
        self.auth = Auth(self, "Auth", stage=stage)
        self.queues = Queues(self, "Queues", stage=stage)
        self.api = Api(self, "Api", stage=stage, data=self.data, media=self.media, auth=self.auth)
