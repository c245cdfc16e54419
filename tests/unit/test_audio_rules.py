"""The music job's pure parts: reading ffmpeg's words (probe, EBU R128 summary), waveform peaks,
tag values, and why a probe rules a file out."""

from __future__ import annotations

import struct

import pytest

from backend.jobs.music import DAMAGED, NOT_AUDIO, probe_problem, too_long_words
from backend.media import audio
from backend.media.tags import clean_text, number, year

PROBE_MP3 = """Input #0, mp3, from '/tmp/x/original':
  Metadata:
    title           : Blue Hour
  Duration: 00:03:25.47, start: 0.025057, bitrate: 128 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 128 kb/s
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 600x600, 90k tbr (attached pic)
At least one output file must be specified
"""
PROBE_VIDEO_ONLY = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/tmp/x/original':
  Duration: 00:00:01.00, start: 0.000000, bitrate: 50 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 64x48, 25 fps
"""
EBUR128 = """[Parsed_ebur128_0 @ 0x7f] Summary:

  Integrated loudness:
    I:         -14.2 LUFS
    Threshold: -24.6 LUFS

  Loudness range:
    LRA:         5.1 LU
"""


def test_a_probe_finds_the_audio_stream_and_duration() -> None:
    found = audio.parse_probe(PROBE_MP3)
    assert found == audio.AudioProbe(("mp3",), 205.47, "mp3", 44100, "stereo")
    assert found is not None and found.has_audio


def test_a_video_without_sound_has_no_audio_and_unreadable_input_is_none() -> None:
    found = audio.parse_probe(PROBE_VIDEO_ONLY)
    assert found is not None and not found.has_audio and found.duration_seconds == 1.0
    assert audio.parse_probe("/tmp/x: Invalid data found when processing input\n") is None


def test_probe_problems_in_words() -> None:
    assert probe_problem(None, 1800) == DAMAGED
    assert probe_problem(audio.parse_probe(PROBE_VIDEO_ONLY), 1800) == NOT_AUDIO
    assert probe_problem(audio.parse_probe(PROBE_MP3), 1800) is None
    assert probe_problem(audio.parse_probe(PROBE_MP3), 120) == "Songs can be up to 2 minutes long"
    assert too_long_words(1800) == "Songs can be up to 30 minutes long"
    assert too_long_words(90) == "Songs can be up to 90 seconds long"


def test_loudness_is_the_integrated_value_and_silence_has_none() -> None:
    assert audio.parse_loudness(EBUR128) == -14.2
    assert audio.parse_loudness(EBUR128.replace("-14.2", "-70.0")) is None
    assert audio.parse_loudness(EBUR128.replace("-14.2", "-inf")) is None
    assert audio.parse_loudness("no summary") is None


def test_peaks_take_the_largest_absolute_sample_of_each_slice() -> None:
    samples = [0, 100, -32768, 5] * 100 + [0] * 400 + [16384, -8192] * 200
    pcm = struct.pack(f"<{len(samples)}h", *samples)
    peaks = audio.peaks_of(pcm, count=3)
    assert list(peaks) == [255, 0, 128]
    assert audio.peaks_of(b"", count=4) == bytes(4)
    assert len(audio.peaks_of(struct.pack("<2h", 1000, -1000), count=10)) == 10  # fewer samples than peaks
    assert audio.peaks_of(pcm + b"\x01", count=3) == peaks  # a stray byte is ignored


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" Blue \x00 Hour ", "Blue Hour"), (["", "Second"], "Second"), ([], None), ("   ", None), (None, None)],
)
def test_tag_text_is_clean(value: object, expected: str | None) -> None:
    assert clean_text(value) == expected


def test_tag_numbers_and_years() -> None:
    assert number("3/12") == 3 and number(["07"]) == 7 and number([(4, 10)]) == 4 and number((2, 2)) == 2
    assert number("0") is None and number("") is None and number(None) is None and number("side A") is None
    assert year("2019-05-01") == 2019 and year(["1999"]) == 1999
    assert year("0000") is None and year("soon") is None and year(None) is None
    assert clean_text("x" * 300) == "x" * 200
