"""The media functions' ffmpeg comes gzipped in a Lambda layer (infra/assets.py): it is
unpacked once, runs, and a missing archive is an ffmpeg error callers already handle."""

from __future__ import annotations

import gzip
import os
import subprocess
import tempfile

import pytest

from backend.media import video
from backend.settings import reset_settings


@pytest.fixture
def ffmpeg_path(monkeypatch, tmp_path):
    def use(path: str) -> None:
        monkeypatch.setenv("LUMI_FFMPEG_PATH", path)
        monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
        (tmp_path / "tmp").mkdir(exist_ok=True)
        monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
        reset_settings()
        video._unpacked_ffmpeg.cache_clear()

    yield use
    reset_settings()
    video._unpacked_ffmpeg.cache_clear()


def test_a_gzipped_ffmpeg_is_unpacked_once_and_runs(ffmpeg_path, tmp_path):
    # given a stand-in binary, gzipped as the layer holds ffmpeg
    archive = tmp_path / "ffmpeg.gz"
    with gzip.open(archive, "wb") as packed:
        packed.write(b'#!/bin/sh\necho stand-in ffmpeg "$@"\n')
    ffmpeg_path(str(archive))
    # when
    first = video.ffmpeg_exe()
    second = video.ffmpeg_exe()
    # then
    assert first == second and first.startswith(str(tmp_path / "tmp"))
    assert os.access(first, os.X_OK)
    assert [p.name for p in (tmp_path / "tmp").iterdir()] == [os.path.basename(first)]  # no partial left
    assert subprocess.run([first, "-version"], capture_output=True, text=True).stdout == "stand-in ffmpeg -version\n"


def test_a_missing_archive_is_a_video_error(ffmpeg_path, tmp_path):
    ffmpeg_path(str(tmp_path / "absent.gz"))
    with pytest.raises(video.VideoError, match="could not run"):
        video.probe(str(tmp_path / "clip.mp4"), "mp4")
