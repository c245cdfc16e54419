"""Each Lambda handler's import time from the asset a deploy ships, and the assets' sizes.

Builds (or reuses) the assets with ``infra.assets``, then for every handler of the stack imports
it in N fresh ``python3.12 -I -S -B`` interpreters whose path is the asset alone (what a cold
start does before the first event) and prints the median wall and CPU time. CPU time says more
on a busy machine; the API handler's target is 250 ms. Lambda's CPU share grows with memory
(1,769 MB = one vCPU), so small functions start slower there than here.

    python -m bench.lambda_imports [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from infra import assets

API_TARGET_SECONDS = 0.250


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per handler (default 7)")
    runs = parser.parse_args().runs
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # jsii's Node
    python = assets.runtime_python()
    if python is None:
        sys.exit("needs python3.12, the Lambda runtime's version")
    backend, layer = assets.build_backend(), assets.build_ffmpeg_layer()
    code_size, layer_size = assets.tree_size(backend), assets.tree_size(layer)
    limit = assets.UNZIPPED_LIMIT_BYTES
    print(f"runtime {assets.RUNTIME.name} {assets.ARCHITECTURE.name}; {python}; {os.getloadavg()[0]:.1f} load")
    print(f"backend asset  {code_size / 1e6:6.1f} MB unzipped  ({backend.name})")
    print(f"ffmpeg layer   {layer_size / 1e6:6.1f} MB unzipped  ({layer.name})")
    print(f"media function {(code_size + layer_size) / 1e6:6.1f} MB of Lambda's {limit / 1e6:.1f} MB")
    print(f"\n{'handler':48} {'wall ms':>8} {'cpu ms':>8} {'modules':>8}   (median of {runs})")
    functions = assets.stack_functions(assets.stack_template())
    with tempfile.TemporaryDirectory() as temporary:
        for function in sorted(functions, key=lambda f: f.handler):
            results = [
                assets.clean_import(python, backend, function, temporary=Path(temporary), guard=False)
                for _ in range(runs)
            ]
            wall = statistics.median(r["seconds"] for r in results)
            cpu = statistics.median(r["cpu_seconds"] for r in results)
            note = ""
            if function.handler == "backend.api.app.handler":
                note = "  target ≤ 250" + (" (met)" if wall <= API_TARGET_SECONDS else " (not met)")
            print(f"{function.handler:48} {wall * 1000:8.0f} {cpu * 1000:8.0f} {results[0]['modules']:8}{note}")


if __name__ == "__main__":
    main()
