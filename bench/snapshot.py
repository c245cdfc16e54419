"""Snapshot benchmark: what a save of the local stack's data directory costs, and the pause.

Run with ``python -m bench.snapshot``. It starts the local stack in this process with a
temporary data directory (no saver thread: saves are made here, one at a time), fills it with
table items (each also a stream record) and S3 objects of a few MB, and prints for each
step how long the save took in all, how long it waited for the gate, how long everything was
held still (the pause), and the snapshot's size. Then it saves while writer threads keep
the emulator busy, and times a restore. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid

from backend.local.snapshot import SaveReport, Snapshots
from backend.local.stack import LocalStack


def line(label: str, report: SaveReport | None) -> str:
    if report is None:
        return f"{label:<38} (no save)"
    return (
        f"{label:<38} {report.seconds * 1000:8.1f} ms in all   waited {report.waited_seconds * 1000:7.1f} ms   "
        f"paused {report.pause_seconds * 1000:6.1f} ms   {report.bytes / 1024:8.1f} KiB   "
        f"{report.object_bytes_written / 2**20:6.1f} MiB of blobs written"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--objects", type=int, default=20)
    parser.add_argument("--object-mib", type=float, default=3.0)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory(prefix="lumi-bench-snapshot-") as data_dir:
        stack = LocalStack(with_api=False, with_mqtt=False, with_pollers=False, data_dir=data_dir, save_interval=3600)
        stack.start()
        try:
            from backend.aws import client

            saver: Snapshots = stack.snapshots
            saver.stop(final_save=False)  # no saver thread: saves are made by hand below
            print(line("empty stack", saver.save(force=True)))

            dynamodb, s3 = client("dynamodb"), client("s3")
            table, bucket = stack.env()["LUMI_TABLE_NAME"], stack.env()["LUMI_MEDIA_BUCKET"]
            for start in range(0, args.items, 25):
                dynamodb.batch_write_item(
                    RequestItems={
                        table: [{"PutRequest": {"Item": _item(i)}} for i in range(start, min(start + 25, args.items))]
                    }
                )
            print(line(f"+{args.items} items (and stream records)", saver.save()))

            size = int(args.object_mib * 2**20)
            for i in range(args.objects):
                s3.put_object(Bucket=bucket, Key=f"private/bench/{i}", Body=os.urandom(size))
            print(line(f"+{args.objects} objects of {args.object_mib:g} MiB", saver.save()))

            steady = []
            for i in range(10):
                dynamodb.put_item(TableName=table, Item=_item(args.items + i))
                steady.append(saver.save())
            pauses = [r.pause_seconds * 1000 for r in steady if r]
            totals = [r.seconds * 1000 for r in steady if r]
            print(line("one more item (steady state)", steady[-1]))
            print(
                f"{'  ... over 10 such saves':<38} {statistics.median(totals):8.1f} ms in all (median), "
                f"paused {statistics.median(pauses):.1f} ms (median), {max(pauses):.1f} ms (max)"
            )

            stop = threading.Event()
            writes = [0] * args.writers

            def writer(n: int) -> None:
                mine = client("dynamodb")
                while not stop.is_set():
                    mine.put_item(TableName=table, Item=_item(10_000 + n * 1_000_000 + writes[n]))
                    writes[n] += 1

            threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(args.writers)]
            for thread in threads:
                thread.start()
            busy = []
            for _ in range(5):
                time.sleep(0.5)
                busy.append(saver.save())
            stop.set()
            for thread in threads:
                thread.join()
            for report in busy:
                print(line(f"while {args.writers} writers put items", report))
            print(f"{'  ... writes done meanwhile':<38} {sum(writes)}")

            started = time.monotonic()
            restored = Snapshots(data_dir)
            restored.load()
            print(f"{'restore (load into moto)':<38} {(time.monotonic() - started) * 1000:8.1f} ms")
        finally:
            stack.stop()


def _item(i: int) -> dict:
    return {
        "pk": {"S": f"REL#bench#{i // 50}"},
        "sk": {"S": f"MOMENT#{i:08d}"},
        "type": {"S": "Moment"},
        "title": {"S": f"Moment {i}"},
        "description": {"S": "A day at the beach with the two of us. " * 3},
        "tags": {"L": [{"M": {"slug": {"S": "beach"}, "name": {"S": "Beach"}}}]},
        "owner_id": {"S": str(uuid.UUID(int=i))},
        "size": {"N": "12345678"},
    }


if __name__ == "__main__":
    main()
