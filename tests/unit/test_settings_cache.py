"""The settings cache and resets: a read that began before a reset never outlives it."""

from __future__ import annotations

import threading

import pytest

from backend import settings as settings_module
from backend.settings import get_settings, reset_settings


def test_a_read_begun_before_a_reset_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a poller thread that started reading the settings while the environment still said "false"
    monkeypatch.setenv("LUMI_PUSH_ALLOW_LOOPBACK", "false")
    reset_settings()
    started, release = threading.Event(), threading.Event()
    real = settings_module.Settings

    class SlowToRead(real):  # type: ignore[misc, valid-type]
        def __init__(self, **values: object) -> None:
            super().__init__(**values)
            if threading.current_thread().name == "poller":
                started.set()
                release.wait(5)

    monkeypatch.setattr(settings_module, "Settings", SlowToRead)
    seen: list[bool] = []
    poller = threading.Thread(target=lambda: seen.append(get_settings().push_allow_loopback), name="poller")
    poller.start()
    assert started.wait(5)

    # when a test changes the environment and resets the settings meanwhile, then the poller finishes
    monkeypatch.setenv("LUMI_PUSH_ALLOW_LOOPBACK", "true")
    reset_settings()
    release.set()
    poller.join(5)

    # then the poller used what it read, but what everyone reads next is the new environment
    assert seen == [False]
    assert get_settings().push_allow_loopback is True
    monkeypatch.undo()
    reset_settings()


def test_settings_are_read_once_and_kept_until_a_reset() -> None:
    reset_settings()
    first = get_settings()
    assert get_settings() is first
    reset_settings()
    assert get_settings() is not first
