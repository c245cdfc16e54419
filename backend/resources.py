"""The one definition of Lumi's AWS resources: names and shapes.

The local stack creates exactly these in the emulator (``backend.local.bootstrap``) and the
CDK app in ``infra/`` builds the same ones in AWS, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

USER_GROUPS: tuple[str, ...] = ("listener", "artist", "admin")
DEFAULT_GROUP = "listener"

PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": False,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": False,
}


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    pk: str
    sk: str


@dataclass(frozen=True)
class TableShape:
    pk: str = "pk"
    sk: str = "sk"
    ttl_attribute: str = "expires_at"
    stream_view: str = "NEW_AND_OLD_IMAGES"
    indexes: tuple[GlobalIndex, ...] = (
        GlobalIndex("gsi1", "gsi1pk", "gsi1sk"),
        GlobalIndex("gsi2", "gsi2pk", "gsi2sk"),
        GlobalIndex("gsi3", "gsi3pk", "gsi3sk"),
        # gsi4: a person's songs by album (AWS adds one index per table update: add them one by one).
        GlobalIndex("gsi4", "gsi4pk", "gsi4sk"),
    )

    def attribute_definitions(self) -> list[dict]:
        attrs = {self.pk, self.sk}
        for index in self.indexes:
            attrs |= {index.pk, index.sk}
        return [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)]

    @staticmethod
    def index_definition(index: GlobalIndex) -> dict:
        """One GSI as ``CreateTable`` and ``UpdateTable`` (``Create``) take it."""
        return {
            "IndexName": index.name,
            "KeySchema": [
                {"AttributeName": index.pk, "KeyType": "HASH"},
                {"AttributeName": index.sk, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }

    def create_table_kwargs(self, table_name: str) -> dict:
        """Arguments for DynamoDB ``CreateTable`` (used by the local stack)."""
        return {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": self.attribute_definitions(),
            "KeySchema": [
                {"AttributeName": self.pk, "KeyType": "HASH"},
                {"AttributeName": self.sk, "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": [self.index_definition(index) for index in self.indexes],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": self.stream_view},
        }


@dataclass(frozen=True)
class BucketShape:
    # Browsers upload straight to the bucket with a presigned POST and read with signed GETs.
    cors_methods: tuple[str, ...] = ("GET", "HEAD", "POST")
    cors_expose_headers: tuple[str, ...] = ("ETag", "Content-Length", "Content-Range", "Accept-Ranges")
    private_prefix: str = "private/"
    public_prefix: str = "public/"

    def cors_configuration(self, origins: list[str]) -> dict:
        return {
            "CORSRules": [
                {
                    "AllowedOrigins": origins,
                    "AllowedMethods": list(self.cors_methods),
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": list(self.cors_expose_headers),
                    "MaxAgeSeconds": 3000,
                }
            ]
        }


# The media job's Lambda timeout: a 100 MP photo decodes, turns and resizes in seconds; a new
# video is probed by ffmpeg over its presigned URL (a browser recording without a duration is
# read through once, up to 500 MB) and a frame taken for its thumbnail.
MEDIA_JOB_TIMEOUT_SECONDS = 300
# The music job's: a 30-minute song is downloaded, probed, transcoded once (AAC), measured
# (EBU R128) and decoded for its waveform: about a minute of ffmpeg on one core.
MUSIC_JOB_TIMEOUT_SECONDS = 300
# The affirmations sender's: one message holds up to ten people to deliver to.
AFFIRMATIONS_SENDER_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class QueueShape:
    name: str
    max_receive_count: int = 3
    visibility_timeout_seconds: int = 30
    # How many batches run at once (the event source mapping's maximum concurrency in AWS,
    # the local poller's workers): a burst is not served one batch after another.
    max_concurrency: int = 4
    # Messages a consumer gets at once (1-10; the mapping's batch size, the local poller's).
    batch_size: int = 10


@dataclass(frozen=True)
class Resources:
    table: TableShape = field(default_factory=TableShape)
    bucket: BucketShape = field(default_factory=BucketShape)
    # notifications: the sender (Web Push or live); media: heavy media work off the request
    # path (a video's probe and thumbnail, a photo's renditions), given six times its
    # function's timeout as AWS advises;
    # affirmations: the daily affirmation sender, fed by the quarter-hourly aggregator.
    queues: tuple[QueueShape, ...] = (
        QueueShape("notifications"),
        QueueShape("media", visibility_timeout_seconds=6 * MEDIA_JOB_TIMEOUT_SECONDS, max_concurrency=2, batch_size=1),
        # A message holds up to 10 people: time for ten deliveries on a slow emulator, one
        # message a batch (so a batch never outlasts the visibility timeout), several at once.
        QueueShape("affirmations", visibility_timeout_seconds=6 * AFFIRMATIONS_SENDER_TIMEOUT_SECONDS, batch_size=1),
        # date-reminders: the date reminder sender, fed by its quarter-hourly aggregator (the same shape).
        QueueShape("date-reminders", visibility_timeout_seconds=6 * AFFIRMATIONS_SENDER_TIMEOUT_SECONDS, batch_size=1),
        # music: a song's checks, tags, rendition, loudness and peaks (``backend.jobs.music``), one
        # song a batch; two at once at most (each runs ffmpeg on a core).
        QueueShape("music", visibility_timeout_seconds=6 * MUSIC_JOB_TIMEOUT_SECONDS, max_concurrency=2, batch_size=1),
    )


RESOURCES = Resources()


def queue_shape(name: str) -> QueueShape:
    """The queue called ``name`` (its short name, e.g. ``"media"``)."""
    return next(shape for shape in RESOURCES.queues if shape.name == name)


def queue_name(stage: str, queue: QueueShape) -> str:
    return f"lumi-{stage}-{queue.name}"


def dead_letter_queue_name(stage: str, queue: QueueShape) -> str:
    return f"lumi-{stage}-{queue.name}-dlq"
