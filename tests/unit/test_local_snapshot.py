"""The local stack's snapshot: object bytes as content-addressed blobs (written once, collected
when unused, read lazily after a restart), the file's format version and checksum, atomic
writes, the whole moto state round trip (in memory, through ``mock_aws``), the format-1
file of older Lumis, moving a data directory aside, and trimming stream records done long
ago. Canary: moto's FakeKey is still shaped as ``backend.local.blobs`` expects."""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3.models import FakeKey

from backend.local import blobs, snapshot
from backend.local.blobs import BlobFile, BlobStore
from backend.local.snapshot import SnapshotError, Snapshots, read_snapshot, write_snapshot

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture(autouse=True)
def tracked_keys() -> None:
    blobs.install()
    with blobs._pending_lock:
        blobs._pending.clear()  # objects of earlier tests


def fake_key(name: str, data: bytes) -> FakeKey:
    return FakeKey(name, data, account_id=ACCOUNT, region_name=REGION)


def blob_names(store: BlobStore) -> set[str]:
    return set(os.listdir(store.directory))


def test_moto_fakekey_is_still_what_blobs_expects() -> None:
    # the bytes are set through a property (tracked by blobs.install) ...
    assert isinstance(FakeKey.__dict__["value"], property) and FakeKey.__dict__["value"].fset is not None
    small, big = fake_key("small", b"x" * 10), fake_key("big", os.urandom(6 * 2**20))
    # ... into a SpooledTemporaryFile: a BytesIO while small, a real file once it rolled over
    assert isinstance(small._value_buffer, tempfile.SpooledTemporaryFile)
    assert isinstance(small._value_buffer._file, io.BytesIO)
    assert big._value_buffer._rolled and big._value_buffer._file.fileno() >= 0
    assert big.contentsize == 6 * 2**20 and isinstance(small.lock, type(big.lock))
    # and each new key was noticed as soon as its bytes were complete
    assert small._lumi_token is not None and small in blobs._pending


def test_object_bytes_become_blobs_and_the_pickle_only_names_them(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "objects"))
    video = os.urandom(3 * 2**20)
    first, copy, note = fake_key("a/video", video), fake_key("b/copy", video), fake_key("c/note", b"hello")
    note.set_metadata({"Content-Type": "text/plain"})
    etags = [first.etag, copy.etag, note.etag]

    payload, referenced = snapshot.dumps({"keys": [first, copy, note]}, store)

    # one blob per distinct content, holding exactly the bytes
    assert len(referenced) == 2 and blob_names(store) == referenced
    assert {(tmp_path / "objects" / name).read_bytes() for name in referenced} == {video, b"hello"}
    assert len(payload) < 64 * 1024 and video[:4096] not in payload
    # and they come back, read from their blobs
    restored = snapshot.loads(payload, store.directory)["keys"]
    assert [k.value for k in restored] == [video, video, b"hello"]
    assert [k.etag for k in restored] == etags
    assert restored[2].metadata["Content-Type"] == "text/plain"
    assert all(isinstance(k._value_buffer, BlobFile) for k in restored)


def test_each_object_is_read_and_written_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = BlobStore(str(tmp_path / "objects"))
    earlier = fake_key("earlier", os.urandom(2 * 2**20))
    snapshot.dumps([earlier], store)
    # given an object stored since, big enough for moto to keep it in a temp file: the saver
    # writes it before the pause, reading it without moving moto's file position
    later = fake_key("later", os.urandom(6 * 2**20))
    later._value_buffer.seek(123)
    store.written = 0
    assert store.take_pending() >= 1
    assert store.written == 6 * 2**20 and later._value_buffer.tell() == 123

    # when the next saves come, neither object is read again
    def no_reading(*_: Any) -> None:
        raise AssertionError("an object's bytes were read again")

    monkeypatch.setattr(blobs, "_chunks", no_reading)
    store.written = 0
    payload, referenced = snapshot.dumps([earlier, later], store)
    assert store.written == 0 and len(referenced) == 2
    # nor after a restart: a restored object knows its blob
    restored = snapshot.loads(payload, store.directory)
    again = BlobStore(store.directory)
    assert snapshot.dumps(restored, again)[1] == referenced and again.written == 0


def test_blobs_no_snapshot_names_are_collected(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "objects"))
    kept, dropped = fake_key("kept", b"kept bytes"), fake_key("dropped", b"dropped bytes")
    snapshot.dumps([kept, dropped], store)
    (tmp_path / "objects" / ".tmp-left-by-a-crash").write_bytes(b"half")

    _, referenced = snapshot.dumps([kept], store)
    removed = store.collect(referenced)

    assert removed == 2 and blob_names(store) == referenced
    assert (tmp_path / "objects" / next(iter(referenced))).read_bytes() == b"kept bytes"


def test_a_restored_object_rewritten_gets_a_new_blob_and_leaves_the_old_one(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "objects"))
    payload, (old,) = snapshot.dumps([fake_key("k", b"old bytes")], store)
    (key,) = snapshot.loads(payload, store.directory)

    key.value = b"new bytes"

    assert key.value == b"new bytes"
    assert (tmp_path / "objects" / old).read_bytes() == b"old bytes"
    _, (new,) = snapshot.dumps([key], store)
    assert new != old and (tmp_path / "objects" / new).read_bytes() == b"new bytes"


def test_a_deleted_object_still_referenced_is_saved_empty(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "objects"))
    key = fake_key("gone", b"bytes")
    key.dispose()

    payload, _ = snapshot.dumps([key], store)

    (restored,) = snapshot.loads(payload, store.directory)
    assert restored.value == b""


# ---------------------------------------------------------------- the file


def test_the_file_has_a_header_and_is_read_back(tmp_path: Path) -> None:
    path = str(tmp_path / "snapshot.pickle")
    write_snapshot(path, {"generation": 7}, b"pickled state")

    meta, payload = read_snapshot(path)

    assert payload == b"pickled state"
    assert meta["generation"] == 7 and meta["format"] == snapshot.FORMAT
    assert Path(path).read_bytes().startswith(b"LUMI-SNAPSHOT\n")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x80\x05garbage", "is not a Lumi snapshot"),
        (b'LUMI-SNAPSHOT\n{"format": 3, "bytes": 0, "sha256": ""}\n', "format 3 and this Lumi reads format 2"),
        (b"LUMI-SNAPSHOT\nnot json\n", "its header is damaged"),
    ],
)
def test_a_file_it_cannot_read_is_refused_with_what_to_do(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "snapshot.pickle"
    path.write_bytes(content)

    with pytest.raises(SnapshotError) as refused:
        read_snapshot(str(path))

    message = str(refused.value)
    assert str(path) in message and says in message
    assert "make dev FRESH=1" in message and ".old-<time>" in message


def test_a_damaged_payload_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.pickle"
    write_snapshot(str(path), {"generation": 1}, b"pickled state")
    path.write_bytes(path.read_bytes()[:-3] + b"XYZ")

    with pytest.raises(SnapshotError, match="checksum"):
        read_snapshot(str(path))


def test_a_write_that_dies_half_way_leaves_the_previous_snapshot_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "snapshot.pickle"
    write_snapshot(str(path), {"generation": 1}, b"first state")
    before = path.read_bytes()

    class Died(Exception):
        pass

    class DiesHalfWay(io.FileIO):
        def write(self, data: Any) -> int:
            super().write(bytes(data)[:5])
            raise Died

    monkeypatch.setattr(snapshot, "open", DiesHalfWay, raising=False)
    with pytest.raises(Died):
        write_snapshot(str(path), {"generation": 2}, b"second state, much longer than the first")
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert read_snapshot(str(path))[0]["generation"] == 1
    # a temp file left by a process that really died is simply written over next time
    (tmp_path / "snapshot.pickle.tmp").write_bytes(b"half a snapshot")
    write_snapshot(str(path), {"generation": 2}, b"second state")
    assert read_snapshot(str(path))[0]["generation"] == 2
    assert sorted(os.listdir(tmp_path)) == ["snapshot.pickle"]


# ---------------------------------------------------------------- the whole moto state


@contextmanager
def fresh_aws() -> Iterator[dict[str, Any]]:
    """Fresh, empty in-memory moto backends (no server, no sockets) and clients for them."""
    with mock_aws():
        yield {name: boto3.client(name, region_name=REGION) for name in ("dynamodb", "s3", "sqs", "cognito-idp")}


def make_everything(aws: dict[str, Any], video: bytes) -> dict[str, str]:
    aws["dynamodb"].create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    aws["dynamodb"].put_item(TableName="t", Item={"pk": {"S": "USER#1"}, "name": {"S": "Ana"}})
    aws["s3"].create_bucket(Bucket="media")
    aws["s3"].put_object(Bucket="media", Key="private/video", Body=video)
    queue = aws["sqs"].create_queue(QueueName="q")["QueueUrl"]
    aws["sqs"].send_message(QueueUrl=queue, MessageBody="later")
    pool = aws["cognito-idp"].create_user_pool(PoolName="users")["UserPool"]["Id"]
    client = aws["cognito-idp"].create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    aws["cognito-idp"].sign_up(ClientId=client, Username="ana@example.com", Password="Correct-horse-1")
    aws["cognito-idp"].admin_confirm_sign_up(UserPoolId=pool, Username="ana@example.com")
    return {"queue": queue, "pool": pool, "client": client}


def assert_everything_back(aws: dict[str, Any], made: dict[str, str], video: bytes) -> None:
    item = aws["dynamodb"].get_item(TableName="t", Key={"pk": {"S": "USER#1"}})["Item"]
    assert item["name"] == {"S": "Ana"}
    assert aws["s3"].get_object(Bucket="media", Key="private/video")["Body"].read() == video
    assert [m["Body"] for m in aws["sqs"].receive_message(QueueUrl=made["queue"])["Messages"]] == ["later"]
    tokens = aws["cognito-idp"].initiate_auth(
        ClientId=made["client"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ana@example.com", "PASSWORD": "Correct-horse-1"},
    )["AuthenticationResult"]
    assert tokens["AccessToken"]


def test_the_moto_state_and_the_parts_come_back(tmp_path: Path) -> None:
    video = os.urandom(2 * 2**20)
    with fresh_aws() as aws:
        made = make_everything(aws, video)
        saver = Snapshots(str(tmp_path))
        saver.add_part("stream", lambda: {"checkpoints": {"shard-1": "42"}})
        report = saver.save(force=True)
        assert report is not None and report.generation == 1 and report.objects == 1
        assert report.bytes < 1 * 2**20  # the video is not in it

    with fresh_aws() as aws:  # everything in memory is gone
        with pytest.raises(aws["dynamodb"].exceptions.ResourceNotFoundException):
            aws["dynamodb"].describe_table(TableName="t")
        restored = Snapshots(str(tmp_path)).load()

        assert restored is not None and restored.generation == 1
        assert restored.parts == {"stream": {"checkpoints": {"shard-1": "42"}}}
        assert_everything_back(aws, made, video)


def test_nothing_changed_means_no_save(tmp_path: Path) -> None:
    with fresh_aws():
        saver = Snapshots(str(tmp_path))
        assert saver.save() is not None
        assert saver.save() is None  # the gate counted no change since
        saver.gate.changed()
        assert saver.save() is not None and saver.generation == 2


def test_a_format_1_file_is_read_once_and_replaced(tmp_path: Path) -> None:
    video = os.urandom(2 * 2**20)
    with fresh_aws() as aws:
        made = make_everything(aws, video)
        # given the whole-state pickle an older Lumi wrote on a clean stop (object bytes inside)
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = snapshot._base_dispatch_table()
        pickler.dump({"format": 1, **snapshot.capture_moto()})
        (tmp_path / "moto.pickle").write_bytes(buffer.getvalue())

    with fresh_aws() as aws:
        saver = Snapshots(str(tmp_path))
        restored = saver.load()
        assert restored is not None and restored.legacy
        assert_everything_back(aws, made, video)
        assert saver.save() is not None

    assert not (tmp_path / "moto.pickle").exists()
    assert (tmp_path / "snapshot.pickle").exists() and len(os.listdir(tmp_path / "objects")) == 1


def test_an_unpicklable_snapshot_stops_the_load(tmp_path: Path) -> None:
    write_snapshot(str(tmp_path / "snapshot.pickle"), {"generation": 3}, b"not a pickle at all")

    with fresh_aws(), pytest.raises(SnapshotError, match="could not be unpickled") as refused:
        Snapshots(str(tmp_path)).load()

    assert "make dev FRESH=1" in str(refused.value)
    assert (tmp_path / "snapshot.pickle").exists()  # untouched


def test_move_aside_keeps_the_old_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "objects").mkdir(parents=True)
    (data / "snapshot.pickle").write_bytes(b"old")

    moved = snapshot.move_aside(str(data))

    assert moved is not None and Path(moved).name.startswith("data.old-")
    assert not data.exists() and (Path(moved) / "snapshot.pickle").read_bytes() == b"old"
    assert snapshot.move_aside(str(data)) is None


def test_done_stream_records_older_than_a_day_are_trimmed_at_start() -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    with fresh_aws() as aws:
        dynamodb = aws["dynamodb"]
        streams = dynamodbstreams_backends[ACCOUNT][REGION]  # (mock_aws routes no Streams calls)
        dynamodb.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        arn = dynamodb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
        for i in range(5):
            dynamodb.put_item(TableName="t", Item={"pk": {"S": f"item {i}"}})
        shard = dynamodb_backends[ACCOUNT][REGION].tables["t"].stream_shard
        sequences = [int(record.record["dynamodb"]["SequenceNumber"]) for record in shard.items]
        for record in shard.items[:4]:  # four made two days ago; the poller has done the first three
            record.record["dynamodb"]["ApproximateCreationDateTime"] -= timedelta(days=2)

        trimmed = snapshot.trim_stream(arn, {shard.id: str(sequences[2])})
        dynamodb.put_item(TableName="t", Item={"pk": {"S": "item 5"}})

        def read(position: str, after: str | None = None) -> list[int]:
            iterator = streams.get_shard_iterator(arn, shard.id, position, after)
            return [int(r["dynamodb"]["SequenceNumber"]) for r in iterator.get(100)["Records"]]

        assert trimmed == 3
        assert read("TRIM_HORIZON") == [*sequences[3:], sequences[-1] + 1]
        assert read("AFTER_SEQUENCE_NUMBER", sequences[2]) == [*sequences[3:], sequences[-1] + 1]


def test_a_data_directory_is_held_by_one_stack_at_a_time(tmp_path: Path) -> None:
    held = snapshot.lock_data_dir(str(tmp_path))
    try:
        with pytest.raises(SnapshotError, match="in use by another local stack"):
            snapshot.lock_data_dir(str(tmp_path))
    finally:
        held.close()
    snapshot.lock_data_dir(str(tmp_path)).close()  # free again once the first let go
