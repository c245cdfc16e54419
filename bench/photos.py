"""Photo renditions benchmark: how long the media job's picture work takes for phone-sized photos.

Run with ``python -m bench.photos``. Pure Pillow in this process (no stack): the part of the
media job that depends on the photo (decode, EXIF orientation, sRGB, two resizes, two JPEG
encodes), for a 12 MP JPEG, a 12 MP HEIC and a 48 MP JPEG made here with camera-like noise so
the encoder has real work. Storage round trips come on top (a few MB each way). Figures are
printed, never asserted: they describe this machine.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from PIL import Image

from backend.media import photo


def camera_like(width: int, height: int, fmt: str) -> bytes:
    """A photo-sized picture with fine detail (noise over gradients), stored sideways with EXIF."""
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    picture = Image.blend(noise, gradient, 0.5)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    if fmt == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        picture.save(out, "HEIF", quality=80, exif=exif.tobytes())
    else:
        picture.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cases = [("12 MP JPEG", 4032, 3024, "jpeg"), ("12 MP HEIC", 4032, 3024, "heic"), ("48 MP JPEG", 8064, 6048, "jpeg")]
    print(f"{'photo':<12} {'bytes':>10} {'look (request)':>15} {'renditions (job)':>17} {'viewer':>8} {'feed':>7}")
    for name, width, height, fmt in cases:
        data = camera_like(width, height, fmt)
        found = photo.sniff_format(data[: photo.SNIFF_BYTES])
        assert found is not None
        looks, jobs = [], []
        made = None
        for _ in range(args.runs):
            started = time.perf_counter()
            photo.look(data, found)
            looks.append(time.perf_counter() - started)
            started = time.perf_counter()
            made = photo.renditions(data, found, 110_000_000)
            jobs.append(time.perf_counter() - started)
        assert made is not None
        print(
            f"{name:<12} {len(data):>10,} {statistics.median(looks) * 1000:>12.1f} ms"
            f" {statistics.median(jobs):>15.2f} s {len(made.viewer) // 1024:>5} KB {len(made.feed) // 1024:>4} KB"
        )


if __name__ == "__main__":
    main()
