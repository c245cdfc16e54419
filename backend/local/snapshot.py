"""Keep the emulated AWS state across runs, and across a crash, when the stack has a data directory.

moto keeps everything in memory. Every couple of seconds, if anything changed, the saver
holds the quiesce gate (``backend.local.quiesce``) so no request, batch or job is half
done, and copies in that one pause everything that must agree: the moto backends Lumi
uses, the stream poller's position and the search index. It writes them as one file,
atomically (temp file, fsync, rename), so a ``kill -9`` loses at most the last seconds and
never leaves a table that disagrees with its stream position or its search index.

Layout of the data directory::

    snapshot.pickle   header line, JSON metadata line, then the pickle (no object bytes)
    snapshot.json     what the last save covered: generation, change count, sizes, timings
    objects/<sha256>  S3 objects' bytes, content-addressed, written once, collected when unused
    lock              held by the stack using the directory (one at a time)
    search.sqlite3    the live search index, replaced at start by the snapshot's copy
    redis/            Redis's append-only file; secrets.json: VAPID keys (both LocalStack's)

Object bytes (videos up to 500 MB) never go into the pickle: each S3 object is written to
``objects/`` once, mostly before the pause, and the pickle names its blob
(``backend.local.blobs``). Blobs no snapshot names are removed after each successful save.

The file starts with ``LUMI-SNAPSHOT`` and a format number; a file of another format, a
damaged one or one this moto cannot unpickle stops the stack with a message saying what to
do, instead of starting empty and overwriting it. ``moto.pickle`` of format 1 (the whole
state with object bytes, saved on clean stops only) is still read once and replaced.

A few objects inside moto's backends cannot be pickled as they are (locks, Cognito's RSA
signing key); they are rebuilt on load: fresh locks, the key from its PEM form.
"""

from __future__ import annotations

import contextlib
import copyreg
import functools
import hashlib
import io
import json
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from backend.local.blobs import BlobStore, find_blob_opener, fsync_directory, install, reduce_key
from backend.local.quiesce import GATE, QuiesceGate

log = logging.getLogger("lumi.local.snapshot")

FORMAT = 2
SERVICES: tuple[str, ...] = ("dynamodb", "s3", "sqs", "cognito-idp")
SNAPSHOT_FILE = "snapshot.pickle"
STATUS_FILE = "snapshot.json"
OBJECTS_DIR = "objects"
LEGACY_FILE = "moto.pickle"  # format 1
LOCK_FILE = "lock"
MAGIC = b"LUMI-SNAPSHOT\n"


class SnapshotError(RuntimeError):
    """The data directory holds a snapshot this stack cannot use; starting would overwrite it."""


def _unusable(path: str, why: str) -> SnapshotError:
    data_dir = os.path.dirname(path)
    return SnapshotError(
        f"{path} cannot be used: {why}. The stack does not start on it, so it is not overwritten. "
        f"To start with empty data and keep the old data aside, run `make dev FRESH=1` (it moves "
        f"{data_dir} to {data_dir}.old-<time>), or start with another --data-dir."
    )


# ---------------------------------------------------------------- pickling moto's pieces


def _rsa_private_key_from_pem(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _reduce_rsa_private_key(key: rsa.RSAPrivateKey) -> tuple[Any, tuple[bytes]]:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return _rsa_private_key_from_pem, (pem,)


def _new_lock() -> Any:
    return threading.Lock()


def _new_rlock() -> Any:
    return threading.RLock()


@functools.cache
def _base_dispatch_table() -> dict[Any, Any]:
    table = copyreg.dispatch_table.copy()
    table[type(threading.Lock())] = lambda _lock: (_new_lock, ())
    table[type(threading.RLock())] = lambda _lock: (_new_rlock, ())
    # The concrete key class lives in cryptography's Rust bindings; find it from an instance.
    table[type(rsa.generate_private_key(public_exponent=65537, key_size=1024))] = _reduce_rsa_private_key
    return table


# ---------------------------------------------------------------- the pickle


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, blobs: BlobStore) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        from moto.s3.models import FakeKey

        self.referenced: set[str] = set()
        self.dispatch_table = dict(_base_dispatch_table())
        self.dispatch_table[FakeKey] = functools.partial(reduce_key, blobs, referenced=self.referenced)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, blob_directory: str) -> None:
        super().__init__(file)
        self.blob_directory = blob_directory

    def find_class(self, module: str, name: str) -> Any:
        opener = find_blob_opener(module, name, self.blob_directory)
        return opener if opener is not None else super().find_class(module, name)


def dumps(value: Any, blobs: BlobStore) -> tuple[bytes, set[str]]:
    """Pickle ``value`` with every S3 object's bytes as a blob reference; return it and the blobs named."""
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, blobs)
    pickler.dump(value)
    return buffer.getvalue(), pickler.referenced


def loads(data: bytes, blob_directory: str) -> Any:
    return _Unpickler(io.BytesIO(data), blob_directory).load()


# ---------------------------------------------------------------- the file


def _write_atomically(path: str, *parts: bytes) -> None:
    """Write, fsync, rename, fsync the directory: a reader sees the old file or the new one, whole."""
    temp = f"{path}.tmp"
    try:
        with open(temp, "wb") as handle:
            for part in parts:
                handle.write(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_directory(os.path.dirname(path) or ".")


def write_snapshot(path: str, meta: dict[str, Any], payload: bytes) -> None:
    meta = {**meta, "format": FORMAT, "bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    _write_atomically(path, MAGIC, json.dumps(meta, sort_keys=True).encode() + b"\n", payload)


def read_snapshot(path: str) -> tuple[dict[str, Any], bytes]:
    """The metadata and pickle of a snapshot file; SnapshotError when it is not one this stack reads."""
    with open(path, "rb") as handle:
        data = handle.read()
    if not data.startswith(MAGIC):
        raise _unusable(path, "it is not a Lumi snapshot (or its start is damaged)")
    end = data.find(b"\n", len(MAGIC))
    try:
        meta = json.loads(data[len(MAGIC) : end])
        found = meta["format"]
    except (ValueError, KeyError, TypeError):
        raise _unusable(path, "its header is damaged") from None
    if found != FORMAT:
        raise _unusable(path, f"it has snapshot format {found!r} and this Lumi reads format {FORMAT} only")
    payload = data[end + 1 :]
    if len(payload) != meta.get("bytes") or hashlib.sha256(payload).hexdigest() != meta.get("sha256"):
        raise _unusable(path, "it is damaged (its length or checksum does not match its header)")
    return meta, payload


def lock_data_dir(data_dir: str) -> Any:
    """Hold the data directory for this process (released when it ends, even by ``kill -9``);
    SnapshotError when another stack holds it: two stacks saving over each other lose data."""
    import fcntl

    os.makedirs(data_dir, exist_ok=True)
    handle = open(os.path.join(data_dir, LOCK_FILE), "a+")  # noqa: SIM115 - held until the stack stops
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SnapshotError(
            f"{data_dir} is in use by another local stack; stop it first, or start with another --data-dir."
        ) from None
    return handle


def move_aside(data_dir: str) -> str | None:
    """Rename a data directory to ``<dir>.old-<time>`` (never delete it); return where it went."""
    if not os.path.isdir(data_dir) or not os.listdir(data_dir):
        return None
    target = f"{data_dir.rstrip(os.sep)}.old-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    suffix = 1
    while os.path.exists(target):
        target = f"{target.rsplit('~', 1)[0]}~{suffix}"
        suffix += 1
    os.rename(data_dir, target)
    return target


# ---------------------------------------------------------------- moto's backends


def _backend_dicts() -> dict[str, Any]:
    from moto.backends import get_backend

    return {service: get_backend(service) for service in SERVICES}  # type: ignore[call-overload]


# What every moto BackendDict has; anything else on one is a cross-account index kept by that
# service (S3's bucket name → account map) and must travel with the backends.
_BACKEND_DICT_FIELDS = frozenset({"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"})


def _indexes(backend_dict: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(backend_dict).items() if name not in _BACKEND_DICT_FIELDS}


def capture_moto() -> dict[str, Any]:
    """The backends of ``SERVICES`` (live objects: pickle them while the gate is held).

    DynamoDB Streams is left out: its only state is the shard iterators it handed out, one
    per GetRecords call, which a restarted poller never uses (it starts from its checkpoint)."""
    backends: dict[tuple[str, str, str], Any] = {}
    indexes: dict[str, dict[str, Any]] = {}
    for service, backend_dict in _backend_dicts().items():
        for account_id, regions in dict.items(backend_dict):
            for region, backend in dict.items(regions):
                backends[(service, account_id, region)] = backend
        indexes[service] = _indexes(backend_dict)
    return {"backends": backends, "indexes": indexes}


def restore_moto(state: dict[str, Any]) -> None:
    backend_dicts = _backend_dicts()
    for (service, account_id, region), backend in state["backends"].items():
        if service not in backend_dicts:
            continue
        regions = backend_dicts[service][account_id]  # creates the account's entry
        dict.__setitem__(regions, region, backend)
    for service, indexes in state["indexes"].items():
        for name, value in indexes.items():
            if service in backend_dicts:
                setattr(backend_dicts[service], name, value)


def trim_stream(stream_arn: str, checkpoints: dict[str, str], keep: timedelta = timedelta(hours=24)) -> int:
    """Drop stream records that are done (at or before their shard's checkpoint) and older than
    ``keep``, as DynamoDB Streams does after 24 hours; return how many went.

    moto keeps every record forever, so without this the snapshot, and its pause, would grow
    with every write ever made. Only at start: no shard iterator is out yet (a trimmed range
    would break one), and the poller resumes after its checkpoint, past everything trimmed.
    Sequence numbers go on unchanged: moto counts them from the shard's first record."""
    from moto.dynamodb.models import dynamodb_backends

    cutoff = datetime.now(UTC) - keep
    trimmed = 0
    for regions in dict.values(dynamodb_backends):
        for backend in dict.values(regions):
            for table in backend.tables.values():
                shard = table.stream_shard
                if shard is None or f"{table.table_arn}/stream/{table.latest_stream_label}" != stream_arn:
                    continue
                done = int(checkpoints.get(shard.id, -1))
                count = 0
                for record in shard.items:
                    change = record.record["dynamodb"]
                    created = change["ApproximateCreationDateTime"]
                    if created.tzinfo is None:
                        created = created.replace(tzinfo=UTC)
                    if int(change["SequenceNumber"]) > done or created >= cutoff:
                        break
                    count += 1
                if count:
                    del shard.items[:count]
                    shard.starting_sequence_number += count
                    trimmed += count
    return trimmed


# ---------------------------------------------------------------- saving and loading


@dataclass
class Restored:
    """What a data directory held: the generation, and each part's saved value by name."""

    generation: int
    parts: dict[str, Any] = field(default_factory=dict)
    legacy: bool = False  # from a format-1 moto.pickle: no stream position, no search copy


@dataclass
class SaveReport:
    generation: int
    changes: int  # the gate's change count it covers
    paused_at: float  # wall-clock time of the pause: everything finished before it is in
    bytes: int
    objects: int
    object_bytes_written: int
    seconds: float  # in all: waiting for the gate, the pause, writing
    waited_seconds: float  # for the gate: units in progress finishing
    pause_seconds: float  # everything held still


class Snapshots:
    """Load the data directory's snapshot, then save it whenever something changed, and on stop.

    Parts other than moto (the stream position, the search index) register a function that
    returns their state; it is called inside the pause, with everything held still."""

    def __init__(
        self,
        data_dir: str,
        gate: QuiesceGate = GATE,
        interval: float = 2.0,
        polite: float = 0.5,
        firm: float = 0.5,
    ) -> None:
        self.data_dir = os.path.abspath(data_dir)
        self.path = os.path.join(self.data_dir, SNAPSHOT_FILE)
        self.gate = gate
        self.interval = interval
        self.polite = polite
        self.firm = firm
        os.makedirs(self.data_dir, exist_ok=True)
        self.blobs = BlobStore(os.path.join(self.data_dir, OBJECTS_DIR))
        self.generation = 0
        self.last: SaveReport | None = None
        self._parts: dict[str, Callable[[], Any]] = {}
        self._saved_changes: int | None = None
        self._legacy_path: str | None = None
        self._save_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_info = float("-inf")
        self._failures = 0
        self._missed = 0
        install()

    def add_part(self, name: str, capture: Callable[[], Any]) -> None:
        self._parts[name] = capture

    # ------------------------------------------------------------ loading

    def load(self) -> Restored | None:
        """Put the saved state back into moto (before anything else uses it); None for a new directory."""
        if os.path.exists(self.path):
            meta, payload = read_snapshot(self.path)
            try:
                state = loads(payload, self.blobs.directory)
            except Exception as error:
                raise _unusable(
                    self.path,
                    f"it could not be unpickled ({type(error).__name__}: {error}); it was written with "
                    f"moto {meta.get('moto', '?')}, this is moto {_moto_version()}",
                ) from error
            restore_moto(state["moto"])
            self.generation = int(meta.get("generation", 0))
            log.info("restored snapshot #%d of %s from %s", self.generation, meta.get("saved_at", "?"), self.path)
            return Restored(self.generation, {name: value for name, value in state.items() if name != "moto"})
        legacy = os.path.join(self.data_dir, LEGACY_FILE)
        if os.path.exists(legacy):
            self._load_legacy(legacy)
            return Restored(0, legacy=True)
        return None

    def _load_legacy(self, path: str) -> None:
        try:
            with open(path, "rb") as handle:
                saved = pickle.load(handle)  # our own file, written by the format-1 save
            found = saved.get("format") if isinstance(saved, dict) else None
        except Exception as error:
            raise _unusable(path, f"it could not be unpickled ({type(error).__name__}: {error})") from error
        if found != 1:
            raise _unusable(path, f"it has snapshot format {found!r} and this Lumi reads format {FORMAT} (or 1)")
        restore_moto(saved)
        self._legacy_path = path
        log.info("restored the format-1 state of %s; it is replaced by %s on the first save", path, SNAPSHOT_FILE)

    # ------------------------------------------------------------ saving

    def save(
        self, force: bool = False, polite: float | None = None, firm: float | None = None, why: str = ""
    ) -> SaveReport | None:
        """Save if anything changed since the last save (or ``force``); None when there was nothing
        to do or the stack could not be paused in time (the saver tries again soon)."""
        with self._save_lock:
            started = time.monotonic()
            self.blobs.written = 0
            self.blobs.take_pending()
            asked = time.monotonic()
            polite = self.polite if polite is None else polite
            firm = self.firm if firm is None else firm
            with self.gate.paused(polite, firm) as held:
                if not held:
                    self._missed += 1
                    level = logging.WARNING if self._missed % 15 == 0 else logging.DEBUG
                    log.log(level, "could not pause the stack to save (%d tries in a row); trying again", self._missed)
                    return None
                self._missed = 0
                paused, paused_at = time.monotonic(), time.time()
                changes = self.gate.changes
                if not force and changes == self._saved_changes:
                    return None
                state = {"moto": capture_moto(), **{name: capture() for name, capture in self._parts.items()}}
                payload, referenced = dumps(state, self.blobs)
                pause = time.monotonic() - paused
            self.blobs.sync()
            generation = self.generation + 1
            saved_at = datetime.now(UTC).isoformat(timespec="milliseconds")
            meta = {"generation": generation, "changes": changes, "saved_at": saved_at, "moto": _moto_version()}
            write_snapshot(self.path, meta, payload)
            self.generation, self._saved_changes = generation, changes
            self.blobs.collect(referenced)
            if self._legacy_path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._legacy_path)
                self._legacy_path = None
            report = SaveReport(
                generation=generation,
                changes=changes,
                paused_at=paused_at,
                bytes=len(payload),
                objects=len(referenced),
                object_bytes_written=self.blobs.written,
                seconds=time.monotonic() - started,
                waited_seconds=paused - asked,
                pause_seconds=pause,
            )
            self._write_status(report, saved_at)
            self.last = report
            self._log(report, why)
            return report

    def _write_status(self, report: SaveReport, saved_at: str) -> None:
        status = {**vars(report), "format": FORMAT, "saved_at": saved_at, "snapshot": self.path}
        _write_atomically(os.path.join(self.data_dir, STATUS_FILE), json.dumps(status, indent=2).encode() + b"\n")

    def _log(self, report: SaveReport, why: str) -> None:
        """Every save at DEBUG; at INFO the first, then one every five minutes, and the last."""
        now = time.monotonic()
        level = logging.INFO if why or now - self._last_info >= 300 else logging.DEBUG
        if level == logging.INFO:
            self._last_info = now
        log.log(
            level,
            "saved snapshot #%d%s: %.1f KiB, %d objects (%.1f MiB new) in %.0f ms (waited %.0f ms, paused %.0f ms)",
            report.generation,
            f" {why}" if why else "",
            report.bytes / 1024,
            report.objects,
            report.object_bytes_written / 2**20,
            report.seconds * 1000,
            report.waited_seconds * 1000,
            report.pause_seconds * 1000,
        )

    # ------------------------------------------------------------ the saver thread

    def start(self) -> Snapshots:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lumi-snapshot", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.gate.changes != self._saved_changes:
                    self.save()
                self._failures = 0
            except Exception:  # a failed save must not stop the next ones; the last good file stays
                self._failures += 1
                if self._failures in (1, 10) or self._failures % 100 == 0:
                    log.exception("saving the snapshot failed (%d in a row); the last good one is kept", self._failures)

    def stop(self, final_save: bool = True) -> None:
        """Stop the saver thread, then save what changed since (units must have stopped first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
        if not final_save or self.save(polite=3.0, firm=3.0, why="on stop") is not None:
            return
        if self.gate.changes != self._saved_changes:
            log.warning("the stack could not be paused for a last save; changes after #%d are lost", self.generation)


@functools.cache
def _moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


__all__ = [
    "FORMAT",
    "SERVICES",
    "SNAPSHOT_FILE",
    "STATUS_FILE",
    "BlobStore",
    "Restored",
    "SaveReport",
    "SnapshotError",
    "Snapshots",
    "capture_moto",
    "dumps",
    "install",
    "loads",
    "lock_data_dir",
    "move_aside",
    "read_snapshot",
    "restore_moto",
    "trim_stream",
    "write_snapshot",
]
