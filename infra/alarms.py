"""An alarm on every dead-letter queue: a message there is work that failed three times.

Each alarm fires when its queue holds at least one visible message (checked every five
minutes) and tells an SNS topic; ``-c alarmEmail=ops@example.com`` subscribes an address to
it (AWS mails a confirmation link first). The topic is encrypted with a key of its own
(CloudWatch may use it to publish; an AWS-managed SNS key would not let it) and accepts
only TLS. Each alarm's description says what to do (``hints``): for a job's queue, fix the
cause, then ``python -m backend.jobs.redrive --queue NAME``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stages import removal_policy

ALARM_PERIOD = cdk.Duration.minutes(5)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def checked_alarm_email(value: str) -> str:
    if not _EMAIL.fullmatch(value.strip()):
        raise ValueError(f"alarmEmail must be one e-mail address, got {value!r}")
    return value.strip()


class DeadLetterAlarms(Construct):
    """``dead_letter_queues``: a short name (``notifications-dlq``) → the queue to watch;
    ``hints``: a short name → what an operator does about it (in the alarm's description)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        stage: str,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        hints: Mapping[str, str] | None = None,
        email: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self,
            "TopicKey",
            description=f"lumi-{stage}: encrypts the alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy(stage),
        )
        # CloudWatch publishes the alarms: it must be able to encrypt for the topic.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=f"lumi-{stage}-alarms",
            display_name=f"Lumi {stage} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(checked_alarm_email(email)))
        action = cloudwatch_actions.SnsAction(self.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, queue in dead_letter_queues.items():
            alarm = cloudwatch.Alarm(
                self,
                "".join(part.title() for part in name.split("-")),
                alarm_name=f"lumi-{stage}-{name}-not-empty",
                alarm_description=f"Messages in {name}: work that failed every try. "
                + (hints or {}).get(name, "Read the logs, fix the cause, then move the messages back."),
                metric=queue.metric_approximate_number_of_messages_visible(
                    period=ALARM_PERIOD, statistic=cloudwatch.Stats.MAXIMUM
                ),
                threshold=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[name] = alarm


__all__ = ["DeadLetterAlarms", "checked_alarm_email"]
