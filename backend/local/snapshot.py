"""Keep the emulated AWS state across runs when the stack is given a data directory.

moto keeps everything in memory, so on a clean stop the backends Lumi uses are pickled to
``<data dir>/moto.pickle`` and loaded back on the next start, before provisioning (which
then finds everything in place). A crash loses what changed since the last clean stop.

A few objects inside moto's backends cannot be pickled as they are (locks, Cognito's RSA
signing key); they are rebuilt on load: fresh locks, the key from its PEM form.
"""

from __future__ import annotations

import copyreg
import io
import logging
import os
import pickle
import threading
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger("lumi.local.snapshot")

SERVICES: tuple[str, ...] = ("dynamodb", "dynamodbstreams", "s3", "sqs", "cognito-idp")
FILE_NAME = "moto.pickle"
_FORMAT = 1


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


class _BackendPickler(pickle.Pickler):
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[type(threading.Lock())] = lambda _lock: (_new_lock, ())
    dispatch_table[type(threading.RLock())] = lambda _lock: (_new_rlock, ())


def _register_rsa_type() -> None:
    # The concrete key class lives in cryptography's Rust bindings; find it from an instance.
    key_type = type(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    _BackendPickler.dispatch_table.setdefault(key_type, _reduce_rsa_private_key)


def _backend_dicts() -> dict[str, Any]:
    from moto.backends import get_backend

    return {service: get_backend(service) for service in SERVICES}  # type: ignore[call-overload]


# What every moto BackendDict has; anything else on one is a cross-account index kept by that
# service (S3's bucket name → account map) and must travel with the backends.
_BACKEND_DICT_FIELDS = frozenset({"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"})


def _indexes(backend_dict: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(backend_dict).items() if name not in _BACKEND_DICT_FIELDS}


def save(data_dir: str) -> str:
    """Write the emulator state to the data directory; return the file written."""
    _register_rsa_type()
    state: dict[tuple[str, str, str], Any] = {}
    indexes: dict[str, dict[str, Any]] = {}
    for service, backend_dict in _backend_dicts().items():
        for account_id, regions in dict.items(backend_dict):
            for region, backend in dict.items(regions):
                state[(service, account_id, region)] = backend
        indexes[service] = _indexes(backend_dict)
    buffer = io.BytesIO()
    _BackendPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        {"format": _FORMAT, "backends": state, "indexes": indexes}
    )
    os.makedirs(data_dir, exist_ok=True)
    path = os.path.join(data_dir, FILE_NAME)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(buffer.getvalue())
    os.replace(tmp, path)
    log.info("saved the emulator state to %s (%d KiB)", path, len(buffer.getvalue()) // 1024)
    return path


def load(data_dir: str) -> bool:
    """Put a saved emulator state back into moto; False when there is none (or it is unreadable)."""
    path = os.path.join(data_dir, FILE_NAME)
    if not os.path.exists(path):
        return False
    try:
        with open(path, "rb") as handle:
            saved = pickle.load(handle)  # our own file, written by save() above
        if saved.get("format") != _FORMAT:
            raise ValueError(f"unknown snapshot format {saved.get('format')!r}")
    except Exception:
        log.exception("could not read %s; starting with empty emulators", path)
        return False
    backend_dicts = _backend_dicts()
    for (service, account_id, region), backend in saved["backends"].items():
        regions = backend_dicts[service][account_id]  # creates the account's entry
        dict.__setitem__(regions, region, backend)
    for service, indexes in saved["indexes"].items():
        for name, value in indexes.items():
            setattr(backend_dicts[service], name, value)
    log.info("restored the emulator state from %s", path)
    return True


__all__ = ["FILE_NAME", "SERVICES", "load", "save"]
