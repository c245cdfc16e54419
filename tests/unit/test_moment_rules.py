"""Pure rules of moments: tag names and slugs, reading ffmpeg's probe output (real stderr
samples of the bundled ffmpeg 7), proving a container by its first bytes, why an upload is
refused, thumbnails' timing and how long a signed URL may stay cached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.credentials import RefreshableCredentials
from botocore.session import get_session

from backend.domain.errors import ValidationFailed
from backend.domain.models import ObjectInfo
from backend.domain.moments import check_text, max_length_words, object_problem, probe_problem, size_words
from backend.domain.tags import normalise_name, normalise_tags, slug_of, tag_ref
from backend.media import objects, urls, video
from backend.media.urls import CREDENTIAL_MARGIN_SECONDS, cache_seconds
from backend.store.moments import TagRef, new_moment_id

# ---------------------------------------------------------------- real ffmpeg -i output

MP4 = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'http://127.0.0.1:5000/lumi/private/rel/r/moments/m/video?X-Amz-Algorithm=AWS4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf63.1.102
  Duration: 00:00:03.00, start: 0.000000, bitrate: 45 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 41 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      encoder         : Lavc63.1.102 libx264
At least one output file must be specified
"""  # noqa: E501

WEBM = """Input #0, matroska,webm, from 'a.webm':
  Metadata:
    ENCODER         : Lavf63.1.102
  Duration: 00:00:03.00, start: 0.000000, bitrate: 158 kb/s
  Stream #0:0: Video: vp8, yuv420p(tv, progressive), 320x240, SAR 1:1 DAR 4:3, 25 fps, 25 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc63.1.102 libvpx
      DURATION        : 00:00:03.000000000
At least one output file must be specified
"""

MOV_WITH_SOUND = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'long.mov':
  Metadata:
    major_brand     : qt  
    minor_version   : 512
    compatible_brands: qt  
    encoder         : Lavf63.1.102
  Duration: 00:01:02.50, start: 0.000000, bitrate: 195 kb/s
  Stream #0:0[0x1]: Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 69 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
      vendor_id       : [0][0][0][0]
  Stream #0:1[0x2]: Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 124 kb/s, 2 fps, 2 tbr, 16384 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      vendor_id       : FFMP
      encoder         : Lavc63.1.102 libx264
At least one output file must be specified
"""  # noqa: E501

PHONE_PORTRAIT = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'rot.mp4':
  Metadata:
    major_brand     : isom
  Duration: 00:00:03.00, start: 0.000000, bitrate: 45 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 41 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
    Side data:
      Display Matrix: rotation of 90.00 degrees
At least one output file must be specified
"""  # noqa: E501

AUDIO_ONLY = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'audio.mp4':
  Metadata:
    major_brand     : isom
  Duration: 00:00:02.00, start: 0.000000, bitrate: 75 kb/s
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 69 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
At least one output file must be specified
"""

RECORDED_IN_A_BROWSER = """Input #0, matroska,webm, from 'live.webm':
  Metadata:
    ENCODER         : Lavf63.1.102
  Duration: N/A, start: 0.000000, bitrate: N/A
  Stream #0:0: Video: vp8, yuv420p(tv, progressive), 320x240, SAR 1:1 DAR 4:3, 25 fps, 25 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc63.1.102 libvpx
At least one output file must be specified
"""

NOT_A_VIDEO = """[in#0 @ 0x55fb3c4c1040] Format mov,mp4,m4a,3gp,3g2,mj2 detected only with low score of 1, misdetection possible!
[in#0 @ 0x55fb3c4c1040] moov atom not found
[in#0 @ 0x55fb3c4c0cc0] Error opening input: Invalid data found when processing input
Error opening input file t.mp4.
Error opening input files: Invalid data found when processing input
"""  # noqa: E501

COPY_PASS = """[out#0/null @ 0x557768ab6640] video:23KiB audio:0KiB subtitle:0KiB other streams:0KiB global headers:0KiB
frame=   25 fps=0.0 q=-1.0 size=N/A time=00:00:01.00 bitrate=N/A speed=2e+03x
frame=   50 fps=0.0 q=-1.0 Lsize=N/A time=00:00:02.00 bitrate=N/A speed=2.54e+03x elapsed=0:00:00.00
"""

# First bytes of real files made by the bundled ffmpeg.
MP4_HEAD = b"\x00\x00\x00 ftypisom\x00\x00\x02\x00isomiso2avc1mp41\x00\x00\x06\xa6moov"
MOV_HEAD = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  \x00\x00\x00\x08wide\x00\x00p\xd9mdat"
WEBM_HEAD = b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x84webmB\x87\x81\x02"
MKV_HEAD = b"\x1aE\xdf\xa3\xa3B\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x88matroskaB\x87\x81\x04"


# ---------------------------------------------------------------- tags


def test_tag_names_are_trimmed_and_their_spaces_collapsed() -> None:
    assert normalise_name("  summer \t  holiday \n") == "summer holiday"
    assert tag_ref("  Road   Trip ") == TagRef(slug="road-trip", name="Road Trip")


def test_slugs_are_lowercase_with_hyphens_and_latin_accents_folded() -> None:
    assert slug_of("Été à Paris") == "ete-a-paris"
    assert slug_of("first_date 2024") == "first_date-2024"
    assert slug_of("New-Year") == "new-year"


@pytest.mark.parametrize(
    ("name", "slug"),
    [("東京 2024", "東京-2024"), ("Москва", "москва"), ("हिन्दी", "हिन्दी"), ("Ελλάδα", "ελλάδα"), ("서울", "서울")],
)
def test_tags_in_other_scripts_keep_their_letters(name: str, slug: str) -> None:
    assert tag_ref(name) == TagRef(slug=slug, name=name)


@pytest.mark.parametrize("name", ["", "   ", "-dash first", "a" * 33, "no/slashes", "emoji 🎉"])
def test_names_that_cannot_be_tags_are_refused_in_words(name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        tag_ref(name)
    assert "tags" in refused.value.fields and refused.value.fields["tags"].endswith(".")


def test_a_moment_keeps_one_tag_per_slug_the_first_spelling_winning() -> None:
    tags = normalise_tags(["Beach", "beach", " BEACH ", "Sun"])
    assert tags == (TagRef("beach", "Beach"), TagRef("sun", "Sun"))


def test_a_moment_has_at_most_ten_tags_after_merging() -> None:
    assert len(normalise_tags([f"t{n}" for n in range(10)] + ["T0", "t1"])) == 10
    with pytest.raises(ValidationFailed):
        normalise_tags([f"t{n}" for n in range(11)])


# ---------------------------------------------------------------- probing


def test_an_mp4_probe_gives_container_duration_codec_and_size() -> None:
    probe = video.parse_probe(MP4)
    assert probe is not None
    assert probe.formats[:2] == ("mov", "mp4")
    assert (probe.duration_seconds, probe.video_codec, probe.width, probe.height) == (3.0, "h264", 320, 240)
    assert probe.display_size == (320, 240)


def test_a_webm_probe() -> None:
    probe = video.parse_probe(WEBM)
    assert probe is not None and "webm" in probe.formats
    assert (probe.duration_seconds, probe.video_codec, probe.width, probe.height) == (3.0, "vp8", 320, 240)


def test_the_video_stream_is_found_after_a_sound_stream() -> None:
    probe = video.parse_probe(MOV_WITH_SOUND)
    assert probe is not None
    assert (probe.duration_seconds, probe.video_codec, probe.width, probe.height) == (62.5, "h264", 1920, 1080)


def test_a_phone_video_turned_upright_swaps_its_size() -> None:
    probe = video.parse_probe(PHONE_PORTRAIT)
    assert probe is not None and probe.rotation == 90.0
    assert probe.display_size == (240, 320)


def test_sound_without_pictures_has_no_video() -> None:
    probe = video.parse_probe(AUDIO_ONLY)
    assert probe is not None and not probe.has_video
    assert probe_problem(probe, 600) == "This file is not a video we can play"


def test_a_browser_recording_has_no_duration_until_measured() -> None:
    probe = video.parse_probe(RECORDED_IN_A_BROWSER)
    assert probe is not None and probe.has_video and probe.duration_seconds is None
    assert video.parse_decoded_seconds(COPY_PASS) == 2.0


def test_what_ffmpeg_cannot_open_is_no_probe() -> None:
    assert video.parse_probe(NOT_A_VIDEO) is None
    assert probe_problem(None, 600) == "This file is not a video we can play"


def test_probe_problems_in_words() -> None:
    probe = video.parse_probe(MOV_WITH_SOUND)
    assert probe_problem(probe, 600) is None
    assert probe_problem(probe, 60) == "Videos can be up to 1 minute long"
    assert probe_problem(video.VideoProbe(("mov",), 2.0, "mpeg4", 320, 240), 600) == (
        "This file is not a video we can play"
    )
    assert probe_problem(video.VideoProbe(("mov",), 0.0, "h264", 320, 240), 600) is not None


# ---------------------------------------------------------------- magic bytes and declared types


@pytest.mark.parametrize(
    ("head", "container"),
    [(MP4_HEAD, "mp4"), (MOV_HEAD, "quicktime"), (WEBM_HEAD, "webm"), (MKV_HEAD, "matroska")],
)
def test_containers_are_proven_by_their_first_bytes(head: bytes, container: str) -> None:
    assert video.sniff_container(head) == container


@pytest.mark.parametrize("head", [b"", b"Dear diary, this is text", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"#EXTM3U\n"])
def test_other_files_prove_no_container(head: bytes) -> None:
    assert video.sniff_container(head) is None


def test_a_declared_type_must_match_the_bytes() -> None:
    assert video.type_mismatch("video/mp4", "mp4") is None
    assert video.type_mismatch("video/webm", "webm") is None
    assert video.type_mismatch("video/quicktime", "quicktime") is None
    assert video.type_mismatch("video/mp4", "webm") == "The file is a WebM video but was sent as MP4"
    assert video.type_mismatch("video/webm", "quicktime") == "The file is a QuickTime (MOV) video but was sent as WebM"
    assert video.type_mismatch("video/webm", "matroska") == "The file is a Matroska (MKV) video but was sent as WebM"


def info(head: bytes, size: int = 50_000, content_type: str | None = "video/mp4") -> ObjectInfo:
    return ObjectInfo(key="k", size=size, content_type=content_type, head=head)


def test_object_problems_before_ffmpeg_looks() -> None:
    limits = (1024, 10 * 1024 * 1024)
    assert object_problem(info(MP4_HEAD), "video/mp4", *limits) is None
    assert object_problem(info(b"hello" * 300), "video/mp4", *limits) == "This file is not a video we can play"
    assert object_problem(info(WEBM_HEAD), "video/mp4", *limits) == "The file is a WebM video but was sent as MP4"
    assert object_problem(info(MP4_HEAD, size=100), "video/mp4", *limits) == "This file is too small to be a video"
    assert object_problem(info(MP4_HEAD, size=11 * 1024 * 1024), "video/mp4", *limits) == "Videos can be up to 10 MB"
    assert object_problem(info(MP4_HEAD, content_type="video/webm"), "video/mp4", *limits) is not None


def test_limits_in_words() -> None:
    assert max_length_words(600) == "10 minutes"
    assert max_length_words(60) == "1 minute"
    assert max_length_words(90) == "90 seconds"
    assert size_words(500 * 1024 * 1024) == "500 MB"
    assert size_words(4096) == "4 KB"


def test_titles_are_printable_and_descriptions_may_have_lines() -> None:
    assert check_text("Sunset 🌅 at 6", "title") == "Sunset 🌅 at 6"
    assert check_text("one\ntwo", "description", multiline=True) == "one\ntwo"
    for bad in ("one\ntwo", "zero\u200bwidth", "bell\x07"):
        with pytest.raises(ValidationFailed):
            check_text(bad, "title")


# ---------------------------------------------------------------- thumbnails and ids


def test_the_thumbnail_is_a_second_in_unless_the_video_is_shorter() -> None:
    assert video.thumbnail_at(3.0, 1.0) == 1.0
    assert video.thumbnail_at(0.8, 1.0) == 0.0
    assert video.thumbnail_at(1.0, 1.0) == 0.0
    assert video.thumbnail_at(None, 1.0) == 0.0


def test_moment_ids_sort_by_time() -> None:
    earlier, later = new_moment_id(1_700_000_000.0), new_moment_id(1_700_000_000.000_001)
    assert earlier < later and len(earlier) == 30


# ---------------------------------------------------------------- the URL cache


def test_cached_urls_live_half_as_long_as_the_url_or_the_credentials() -> None:
    assert cache_seconds(3600) == 1800
    assert cache_seconds(3600, credentials_left=None) == 1800
    # credentials with hours left change nothing; with minutes left, they decide
    assert cache_seconds(3600, credentials_left=6 * 3600) == 1800
    assert cache_seconds(3600, credentials_left=600 + CREDENTIAL_MARGIN_SECONDS) == 300
    # about to expire: not cached at all
    assert cache_seconds(3600, credentials_left=CREDENTIAL_MARGIN_SECONDS + 1) == 0
    assert cache_seconds(3600, credentials_left=-5) == 0


def test_the_signing_credentials_expiry_is_read_from_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    """Temporary credentials (a role's, a container's) bound how long a cached URL may live."""
    now = datetime.now(UTC)
    expiry = now + timedelta(minutes=20)
    metadata = {"access_key": "AKIA", "secret_key": "secret", "token": "token", "expiry_time": expiry.isoformat()}
    session = get_session()
    session._credentials = RefreshableCredentials.create_from_metadata(metadata, lambda: metadata, "assume-role")
    s3 = session.create_client("s3", region_name="us-east-1")
    monkeypatch.setattr(objects, "_s3", lambda: s3)
    # given credentials with 20 minutes left, an hour-long URL may be cached for under ten
    left = urls.credentials_left(now)
    assert left == pytest.approx(1200, abs=1)
    assert cache_seconds(3600, left) == (1200 - CREDENTIAL_MARGIN_SECONDS) // 2
    # and long-lived keys (no expiry) leave it to the URL's own lifetime
    plain = get_session()
    plain.set_credentials("AKIA", "secret")
    monkeypatch.setattr(objects, "_s3", lambda: plain.create_client("s3", region_name="us-east-1"))
    assert urls.credentials_left(now) is None
