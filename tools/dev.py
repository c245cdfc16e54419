"""``make dev``: the whole system on http://localhost:3000 until Ctrl-C.

Data is kept in ``.lumi/data`` across restarts (and crashes: the stack saves every couple of
seconds); ``--fresh`` (``make dev FRESH=1``) moves it aside to ``.lumi/data.old-<time>``
and starts empty.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from backend.local.__main__ import sign_up_mode
from backend.local.snapshot import move_aside
from tools.app_build import ROOT
from tools.system import LumiSystem, SystemPorts

DATA_DIR = ROOT / ".lumi" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", action="store_true", help="create two paired demo users and print their logins")
    parser.add_argument("--port", type=int, default=3000, help="where the app is served")
    parser.add_argument("--backend-port", type=int, default=8000, help="where the Reflex backend listens")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where data is kept (%(default)s)")
    parser.add_argument("--fresh", action="store_true", help="move the kept data aside and start empty")
    args = parser.parse_args()

    data_dir = args.data_dir.resolve()
    if args.fresh:
        moved = move_aside(str(data_dir))
        print(f"moved the kept data to {moved}" if moved else "no kept data; starting empty", flush=True)
    system = LumiSystem(ports=SystemPorts(app=args.port, backend=args.backend_port), seed=args.seed, data_dir=data_dir)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        system.start()
        width = max(len(k) for k in system.listening())
        print("\nLumi is running. Ctrl-C stops everything.\n")
        for label, url in system.listening().items():
            print(f"  {label.ljust(width)}  {url}")
        print(f"  {'data'.ljust(width)}  {data_dir} (kept; make dev FRESH=1 starts empty)")
        auto_confirm = system.stack_env.get("LUMI_AUTO_CONFIRM_SIGN_UP", "true") == "true"
        print(f"  {'sign-up'.ljust(width)}  {sign_up_mode(auto_confirm)}")
        print(f"\n  Open {system.app_url} in your browser.\n", flush=True)
        while not stopping:
            if not system.alive():
                print("a Lumi process exited; stopping the rest", file=sys.stderr)
                return 1
            time.sleep(0.5)
    finally:
        print("stopping…", flush=True)
        system.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
