"""S3 objects' bytes in a data directory: ``objects/<sha256>``, each content written once.

A snapshot must not carry object bytes (videos up to 500 MB) in its pickle. Instead every
FakeKey's bytes go to a blob named by their SHA-256, and the pickle names the blob. To keep
the saver's pause short, new objects are written before it: moto's put path (the
``FakeKey.value`` setter) is tracked so the saver knows which objects are new, and their
bytes are read without disturbing moto's own reads. A digest is remembered per object, so
an object is read once in the life of the process, not at every save.

After a restart an object reads straight from its blob (``BlobFile``) and is copied to a
temp file only if moto ever rewrites it: a 500 MB video costs no memory and no copy at start.
"""

from __future__ import annotations

import contextlib
import copyreg
import functools
import hashlib
import io
import os
import pickle
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

_CHUNK = 8 * 1024 * 1024
_TEMP_PREFIX = ".tmp-"


def fsync_directory(path: str) -> None:
    """Make the names in a directory (files just renamed into it) durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# FakeKeys whose bytes were (re)set since the saver last looked, and the token each gets when
# its bytes are complete (None while they are being written): a digest is kept only for the
# token it was computed under.
_pending: weakref.WeakSet[Any] = weakref.WeakSet()
_pending_lock = threading.Lock()
_installed = False


def install() -> None:
    """Track every S3 object's bytes as moto sets them (``FakeKey.value``). Idempotent."""
    global _installed
    if _installed:
        return
    from moto.s3.models import FakeKey

    value = FakeKey.value
    set_bytes = value.fset
    assert set_bytes is not None, "moto's FakeKey.value has no setter any more"

    def tracked(key: Any, new_value: bytes) -> None:
        key.__dict__["_lumi_token"] = None
        set_bytes(key, new_value)
        key.__dict__["_lumi_token"] = object()
        with _pending_lock:
            _pending.add(key)

    FakeKey.value = property(value.fget, tracked, value.fdel, value.__doc__)  # type: ignore[method-assign,assignment]
    _installed = True


def _chunks(buffer: Any, size: int, paused: bool) -> Iterable[bytes] | None:
    """A FakeKey buffer's ``size`` bytes in chunks; None when they cannot be read safely right now.

    In the pause nobody else touches the buffer, so it is simply read. Before the pause moto
    may be reading it on another thread (seeking it, with no lock of ours), so its file
    position must not move: ``tempfile.SpooledTemporaryFile`` keeps the bytes in ``_file``,
    a BytesIO until they grow past its size, then a real file, read with ``os.pread`` once
    all of it has reached the file (else it is left for the pause)."""
    if isinstance(buffer, BlobFile):
        return buffer.chunks() if paused or buffer.digest is not None else None
    if paused:
        return _read_whole(buffer)
    inner = getattr(buffer, "_file", None)
    if isinstance(inner, io.BytesIO):
        return iter((inner.getvalue(),))
    if inner is None or inner.closed:
        return None
    # Our own descriptor of the file: moto may close its own (a deleted object) meanwhile.
    descriptor = os.dup(inner.fileno())
    if inner.closed or os.fstat(descriptor).st_size != size:
        os.close(descriptor)
        return None
    return _OwnDescriptor(descriptor)


def _read_whole(buffer: Any) -> Iterator[bytes]:
    buffer.seek(0)
    while chunk := buffer.read(_CHUNK):
        yield chunk


class _OwnDescriptor:
    """A file's bytes read through a descriptor of our own, without a file position; closed after."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor: int | None = descriptor

    def __iter__(self) -> Iterator[bytes]:
        assert self.descriptor is not None
        offset = 0
        while chunk := os.pread(self.descriptor, _CHUNK, offset):
            offset += len(chunk)
            yield chunk

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None


class BlobFile:
    """A restored object's bytes, read straight from its blob; copied to a temp file only if rewritten."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._position = 0
        self._closed = False
        self._own: Any = None

    @property
    def digest(self) -> str | None:
        return None if self._own is not None else os.path.basename(self.path)

    @property
    def closed(self) -> bool:
        return self._closed

    def _check(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed file.")

    def seek(self, offset: int, whence: int = 0) -> int:
        self._check()
        if self._own is not None:
            return int(self._own.seek(offset, whence))
        base = {0: 0, 1: self._position, 2: os.path.getsize(self.path)}[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        self._check()
        return int(self._own.tell()) if self._own is not None else self._position

    def read(self, size: int = -1) -> bytes:
        self._check()
        if self._own is not None:
            return bytes(self._own.read(size))
        with open(self.path, "rb") as handle:
            handle.seek(self._position)
            data = handle.read(size if size is not None and size >= 0 else -1)
        self._position += len(data)
        return data

    def chunks(self) -> Iterator[bytes]:
        self._check()
        if self._own is not None:
            yield from _read_whole(self._own)
            return
        with open(self.path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk

    def _materialize(self) -> Any:
        self._check()
        if self._own is None:
            own = tempfile.SpooledTemporaryFile(_CHUNK)  # noqa: SIM115 - it becomes the object's buffer
            with open(self.path, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    own.write(chunk)
            own.seek(self._position)
            self._own = own
        return self._own

    def truncate(self, size: int | None = None) -> int:
        return int(self._materialize().truncate(size))

    def write(self, data: bytes) -> int:
        return int(self._materialize().write(data))

    def close(self) -> None:
        self._closed = True
        if self._own is not None:
            self._own.close()


class BlobStore:
    """``objects/<sha256>``: each distinct content once, written before the snapshot that names it."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.present = {name for name in os.listdir(directory) if not name.startswith(_TEMP_PREFIX)}
        self.written = 0  # bytes written since the counter was last reset
        self._unsynced = False

    def path(self, digest: str) -> str:
        return os.path.join(self.directory, digest)

    def digest_of(self, key: Any, paused: bool = True) -> str | None:
        """The blob holding a FakeKey's bytes, written now unless an earlier one still holds them
        (None before the pause when they cannot be read safely yet)."""
        token = key.__dict__.get("_lumi_token")
        cached = key.__dict__.get("_lumi_blob")
        if cached is not None and token is not None and cached[0] is token and cached[1] in self.present:
            return str(cached[1])
        buffer = key.__dict__["_value_buffer"]
        known = buffer.digest if isinstance(buffer, BlobFile) else None
        if known is not None and known in self.present:
            digest: str | None = known
        else:
            try:
                chunks = _chunks(buffer, int(key.__dict__.get("contentsize", 0)), paused)
            except ValueError:  # closed: moto disposed of it (a deleted object); S3 gives it as empty
                chunks = iter(())
            digest = None if chunks is None else self._write(chunks)
        if digest is not None and token is not None and key.__dict__.get("_lumi_token") is token:
            key.__dict__["_lumi_blob"] = (token, digest)
        return digest

    def _write(self, chunks: Iterable[bytes]) -> str:
        try:
            return self._write_chunks(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _write_chunks(self, chunks: Iterable[bytes]) -> str:
        descriptor, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.directory)
        digest = hashlib.sha256()
        try:
            with os.fdopen(descriptor, "wb") as out:
                try:
                    for chunk in chunks:
                        digest.update(chunk)
                        out.write(chunk)
                except ValueError:  # closed while read: moto disposed of it; S3 gives it as empty
                    digest = hashlib.sha256()
                    out.seek(0)
                    out.truncate()
                out.flush()
                os.fsync(out.fileno())
                size = out.tell()
            name = digest.hexdigest()
            if name in self.present:
                os.unlink(temp)
            else:
                os.replace(temp, self.path(name))
                self.present.add(name)
                self.written += size
                self._unsynced = True
            return name
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def take_pending(self) -> int:
        """Write the blobs of objects stored since the last call, before the pause, so it stays short."""
        with _pending_lock:
            keys = list(_pending)
            _pending.clear()
        again, taken = [], 0
        for key in keys:
            if key.__dict__.get("disposed"):
                continue
            ready = key.__dict__.get("_lumi_token") is not None and "lock" in key.__dict__
            try:
                written = ready and self.digest_of(key, paused=False) is not None
            except (OSError, ValueError):  # deleted meanwhile, or the disk: the pause tries (and says)
                written = False
            if written:
                taken += 1
            else:
                again.append(key)  # still being made, or not all on disk yet: the next call or the pause
        if again:
            with _pending_lock:
                _pending.update(again)
        return taken

    def sync(self) -> None:
        """Make the blobs' names durable before a snapshot that names them is."""
        if self._unsynced:
            fsync_directory(self.directory)
            self._unsynced = False

    def collect(self, referenced: set[str]) -> int:
        """Remove blobs the last snapshot does not name (and leftovers of interrupted writes)."""
        removed = 0
        for name in os.listdir(self.directory):
            if name in referenced:
                continue
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path(name))
                removed += 1
            self.present.discard(name)
        return removed


# ---------------------------------------------------------------- in the pickle


@dataclass(frozen=True)
class _BlobRef:
    """Stands for a FakeKey's buffer in the pickle; unpickled by :func:`find_blob_opener`'s function."""

    digest: str

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _open_blob, (self.digest,)


def _open_blob(digest: str, directory: str | None = None) -> BlobFile:
    if directory is None:
        raise pickle.UnpicklingError("a Lumi snapshot is read with snapshot.loads, which knows where its blobs are")
    path = os.path.join(directory, digest)
    if not os.path.exists(path):
        raise pickle.UnpicklingError(f"the object blob {digest} is missing from {directory}")
    return BlobFile(path)


def find_blob_opener(module: str, name: str, directory: str) -> Any:
    """For ``Unpickler.find_class``: the function that opens this directory's blobs, else None."""
    if module == __name__ and name == "_open_blob":
        return functools.partial(_open_blob, directory=directory)
    return None


def _set_key_state(key: Any, state: dict[str, Any]) -> None:
    key.__dict__.update(state)
    key.lock = threading.Lock()
    buffer = state["_value_buffer"]
    if isinstance(buffer, BlobFile) and buffer.digest is not None:
        token = object()
        key.__dict__["_lumi_token"] = token
        key.__dict__["_lumi_blob"] = (token, buffer.digest)


_KEY_STATE_SKIPPED = frozenset({"_value_buffer", "lock", "_lumi_token", "_lumi_blob"})


def reduce_key(blobs: BlobStore, key: Any, referenced: set[str]) -> tuple[Any, ...]:
    """How a FakeKey is pickled: its state with a blob reference in place of its buffer (in the pause)."""
    digest = blobs.digest_of(key)
    assert digest is not None  # in the pause every object can be read
    referenced.add(digest)
    state = {name: value for name, value in vars(key).items() if name not in _KEY_STATE_SKIPPED}
    state["_value_buffer"] = _BlobRef(digest)
    return copyreg.__newobj__, (type(key),), state, None, None, _set_key_state  # type: ignore[attr-defined]


__all__ = ["BlobFile", "BlobStore", "find_blob_opener", "fsync_directory", "install", "reduce_key"]
