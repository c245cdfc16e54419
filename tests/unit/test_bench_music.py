"""The music benchmark's pure helpers: the Range it asks for, the Content-Range it expects, seek targets."""

import random

import pytest

from bench.music import CHUNK, range_header, seek_offsets, total_size


def test_range_inside_the_object() -> None:
    assert range_header(0, 1_000_000) == (f"bytes=0-{CHUNK - 1}", f"bytes 0-{CHUNK - 1}/1000000")
    assert range_header(500_000, 1_000_000, chunk=100) == ("bytes=500000-500099", "bytes 500000-500099/1000000")


def test_range_cut_at_the_end() -> None:
    assert range_header(999_990, 1_000_000) == ("bytes=999990-999999", "bytes 999990-999999/1000000")
    assert range_header(999_999, 1_000_000) == ("bytes=999999-999999", "bytes 999999-999999/1000000")


def test_range_outside_refused() -> None:
    with pytest.raises(ValueError):
        range_header(1_000_000, 1_000_000)
    with pytest.raises(ValueError):
        range_header(-1, 10)


def test_total_size() -> None:
    assert total_size("bytes 0-65535/3605123") == 3605123
    assert total_size("bytes 0-0/1") == 1
    with pytest.raises(ValueError):
        total_size("bytes */3605123")  # a 416's header names no satisfied range


def test_seek_offsets_middle_and_end() -> None:
    size = 4_000_000
    offsets = seek_offsets(size, 100, random.Random(1))
    assert [where for where, _ in offsets[:4]] == ["middle", "end", "middle", "end"]
    for where, offset in offsets:
        assert 0 <= offset < size
        if where == "middle":
            assert size * 0.2 <= offset < size * 0.8
        else:
            assert offset >= size - CHUNK - CHUNK // 2
    assert len({offset for _, offset in offsets}) > 90  # random, not one place
    # the end ones include ranges cut short by the object's end
    assert any(offset > size - CHUNK for where, offset in offsets if where == "end")


def test_seek_offsets_small_object() -> None:
    for _, offset in seek_offsets(1000, 20, random.Random(2)):
        assert 0 <= offset < 1000
