"""The Lambda packages: built with pip ``--platform`` (wheels only, no Docker), cached, tested.

Runtime: **Python 3.12 on Amazon Linux 2023** (``RUNTIME``; glibc 2.34), on **x86_64**
(``ARCHITECTURE``). One constant picks both the functions' architecture and the wheels pip
installs, so the asset ``tests/infra/test_assets.py`` imports in a clean python3.12 on this
x86_64 machine is, byte for byte, the one a deploy ships; an arm64 asset could not be imported
here, and its native wheels (pydantic-core, cryptography, Pillow, pillow-heif, rapidfuzz) would
go to AWS untried. Graviton is about 20 % cheaper per GB-second: worth it once CI can run arm64.

Two bundles, each in ``.lumi/lambda-assets/<bundle>-<hash of its inputs>`` (never committed;
rebuilt only when an input changes, so a second build is a cache hit):

- ``backend``, every function's code: ``requirements/lambda.txt`` installed for the runtime's
  platform, plus ``backend/`` without ``backend/local`` and caches, all byte-compiled by a
  python3.12 ahead of time (``unchecked-hash`` .pyc: Lambda's /var/task is read-only, so
  without them every cold start compiles every module it imports, and CDK's zips reset the
  files' times, which would make timestamp .pyc stale).
- ``ffmpeg``, a layer for the functions that run ffmpeg (media jobs, music jobs, the stream
  handler's thumbnails): the binary of the imageio-ffmpeg manylinux wheel
  (``requirements/media.txt``; it needs glibc 2.28, AL2023 has 2.34), gzipped at
  ``/opt/ffmpeg/ffmpeg.gz``; ``LUMI_FFMPEG_PATH`` points there and ``backend.media.video``
  unpacks it once per execution environment into /tmp (about a second). Gzipped (68 MB)
  because Lambda allows 250 MB (262,144,000 bytes) unzipped for a function and its layers
  together: the raw binary is 173 MB, the backend asset 156 MB, and even an asset cut to what
  the media functions import, without boto3 (the runtime's instead) and without .pyc, is 96 MB:
  269 MB with the raw binary. Gzipped, every function keeps the one tested asset and its
  pinned boto3 (224 MB with the layer). The API carries no ffmpeg.

Synth in tests stays offline and fast: unless the context says ``lambdaAssets=build`` (``make
deploy`` does), functions get a stand-in asset (``backend/`` source only) and the layer a
stand-in file, with the same template shape. ``python -m infra.assets`` builds both bundles
and prints where they are and their sizes.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

REPO = Path(__file__).resolve().parent.parent
BACKEND_DIR = REPO / "backend"
REQUIREMENTS = REPO / "requirements" / "lambda.txt"
MEDIA_REQUIREMENTS = REPO / "requirements" / "media.txt"
ASSET_ROOT = REPO / ".lumi" / "lambda-assets"

RUNTIME = lambda_.Runtime.PYTHON_3_12
PYTHON_VERSION = (3, 12)
ARCHITECTURE = lambda_.Architecture.X86_64
MACHINE = "x86_64"
# Amazon Linux 2023's glibc: the newest manylinux wheels the functions can load.
GLIBC = (2, 34)
# Lambda's limit for a function's code and its layers, unzipped (250 MB).
UNZIPPED_LIMIT_BYTES = 262_144_000
FFMPEG_LAYER_FILE = "ffmpeg/ffmpeg.gz"
FFMPEG_LAYER_PATH = f"/opt/{FFMPEG_LAYER_FILE}"  # layers unpack under /opt
# Requirements PyPI has only as a source archive (pure Python): made into a wheel first, since
# a --platform install takes wheels only. Each must be pinned in requirements/lambda.txt.
SOURCE_ONLY_REQUIREMENTS = ("http-ece",)
# Bump when the way a bundle is built changes, so cached builds are not reused.
BUILDER_VERSION = "1"
CONTEXT_KEY = "lambdaAssets"
# cdk-nag's AwsSolutions-L1 wants the newest runtime; Lumi's is the one its assets are tested on.
RUNTIME_REASON = (
    "Python 3.12 on Amazon Linux 2023: the runtime the Lambda assets are built for and import-tested "
    "on (infra/assets.py, tests/infra/test_assets.py); a newer one comes with its own asset tests."
)


# ---------------------------------------------------------------- inputs


def platform_tags() -> list[str]:
    """Every manylinux tag the runtime loads, newest first (pip expands none of these itself)."""
    newest = [f"manylinux_{GLIBC[0]}_{minor}_{MACHINE}" for minor in range(GLIBC[1], 16, -1)]
    return [*newest, f"manylinux2014_{MACHINE}", f"manylinux2010_{MACHINE}", f"manylinux1_{MACHINE}"]


def requirement_pins(path: Path) -> dict[str, str]:
    """``{normalized name: requirement line}`` of a requirements file (``-r`` lines followed)."""
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(requirement_pins(path.parent / line[3:].strip()))
            continue
        name = re.split(r"[\[=<>!~; ]", line, maxsplit=1)[0]
        pins[normalize(name)] = line
    return pins


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def backend_sources() -> Iterator[Path]:
    """What of ``backend/`` goes to Lambda: every file but ``backend/local`` and caches."""
    for path in sorted(BACKEND_DIR.rglob("*")):
        relative = path.relative_to(BACKEND_DIR)
        if not path.is_file() or relative.parts[0] == "local" or "__pycache__" in relative.parts:
            continue
        if path.suffix in (".pyc", ".pyo"):
            continue
        yield path


def _digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(hashlib.sha256(part).digest())
    return hasher.hexdigest()[:16]


def _platform_key() -> bytes:
    return f"{BUILDER_VERSION}|cp{PYTHON_VERSION[0]}{PYTHON_VERSION[1]}|{' '.join(platform_tags())}".encode()


def dependencies_hash() -> str:
    return _digest(_platform_key(), REQUIREMENTS.read_bytes())


def backend_hash() -> str:
    files = [f"{p.relative_to(REPO)}".encode() + b"\0" + p.read_bytes() for p in backend_sources()]
    return _digest(dependencies_hash().encode(), *files)


def ffmpeg_hash() -> str:
    return _digest(_platform_key(), MEDIA_REQUIREMENTS.read_bytes())


# ---------------------------------------------------------------- building


def runtime_python() -> str | None:
    """A python of the runtime's version on this machine (pyenv's shims may name one that is
    not selected, so each candidate is asked), or None."""
    version = f"{PYTHON_VERSION[0]}.{PYTHON_VERSION[1]}"
    name = f"python{version}"
    candidates = [shutil.which(name), f"/usr/bin/{name}", f"/usr/local/bin/{name}"]
    candidates += sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{version}*/bin/{name}"))
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        try:
            result = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if result.returncode == 0 and result.stdout.strip() == str(PYTHON_VERSION):
            return candidate
    return None


def _pip(*arguments: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pip failed ({' '.join(arguments[:2])}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def _platform_arguments() -> list[str]:
    platforms = [argument for tag in platform_tags() for argument in ("--platform", tag)]
    version = f"{PYTHON_VERSION[0]}.{PYTHON_VERSION[1]}"
    return [*platforms, "--only-binary=:all:", "--python-version", version, "--implementation", "cp"]


def _publish(partial: Path, final: Path) -> Path:
    """Move a finished build into place (another process may have won the race: keep theirs)."""
    try:
        partial.rename(final)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not final.is_dir():
            raise
    for sibling in final.parent.glob(f"{final.name.rsplit('-', 1)[0]}-*"):
        if sibling != final and ".partial" not in sibling.name:
            shutil.rmtree(sibling, ignore_errors=True)
    return final


def _partial(final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f"{final.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    return partial


def build_dependencies(root: Path = ASSET_ROOT) -> Path:
    """``requirements/lambda.txt`` installed for the runtime's platform (cached by its hash)."""
    final = root / f"dependencies-{dependencies_hash()}"
    if final.is_dir():
        return final
    partial = _partial(final)
    wheels = partial.parent / f"{partial.name}-wheels"
    pins = requirement_pins(REQUIREMENTS)
    try:
        missing = [name for name in SOURCE_ONLY_REQUIREMENTS if name not in pins]
        if missing:
            raise RuntimeError(f"pin {', '.join(missing)} in {REQUIREMENTS.relative_to(REPO)}")
        sources = [pins[name] for name in SOURCE_ONLY_REQUIREMENTS]
        _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), *sources)
        for wheel in wheels.glob("*.whl"):
            if not wheel.name.endswith("-none-any.whl"):
                raise RuntimeError(f"{wheel.name} is not pure Python: it cannot be built for the runtime here")
        _pip(
            "install",
            "--quiet",
            "--no-compile",
            "--no-warn-script-location",
            "--find-links",
            str(wheels),
            *_platform_arguments(),
            "--target",
            str(partial),
            "-r",
            str(REQUIREMENTS),
        )
        shutil.rmtree(partial / "bin", ignore_errors=True)  # console scripts: no use in Lambda
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(wheels, ignore_errors=True)
    return _publish(partial, final)


def build_backend(root: Path = ASSET_ROOT) -> Path:
    """Every function's code asset: the dependencies and ``backend/``, byte-compiled for 3.12."""
    final = root / f"backend-{backend_hash()}"
    if final.is_dir():
        return final
    python = runtime_python()
    if python is None:
        raise RuntimeError(
            f"building Lambda assets needs python{PYTHON_VERSION[0]}.{PYTHON_VERSION[1]} (the runtime's version) "
            "to byte-compile them; install it (e.g. apt-get install python3.12 or pyenv install 3.12)"
        )
    dependencies = build_dependencies(root)
    partial = _partial(final)
    try:
        shutil.copytree(dependencies, partial, dirs_exist_ok=True, copy_function=_link_or_copy)
        for source in backend_sources():
            target = partial / source.relative_to(REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        result = subprocess.run(
            [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(partial)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"compileall failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return _publish(partial, final)


def _link_or_copy(source: str, target: str) -> None:
    """Hard links: the dependencies are shared by every backend build, never written to."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def build_ffmpeg_layer(root: Path = ASSET_ROOT) -> Path:
    """The layer: ffmpeg out of the imageio-ffmpeg wheel for the runtime's platform, gzipped."""
    final = root / f"ffmpeg-{ffmpeg_hash()}"
    if final.is_dir():
        return final
    partial = _partial(final)
    download = partial.parent / f"{partial.name}-wheel"
    try:
        _pip(
            "download",
            "--quiet",
            "--no-deps",
            *_platform_arguments(),
            "--dest",
            str(download),
            "-r",
            str(MEDIA_REQUIREMENTS),
        )
        (wheel,) = download.glob("imageio_ffmpeg-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            (member,) = [n for n in archive.namelist() if re.search(r"/binaries/ffmpeg-linux-[^/]+$", n)]
            target = partial / FFMPEG_LAYER_FILE
            target.parent.mkdir(parents=True)
            with archive.open(member) as binary, gzip.open(target, "wb", compresslevel=6) as packed:
                shutil.copyfileobj(binary, packed, 1024 * 1024)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(download, ignore_errors=True)
    return _publish(partial, final)


def tree_size(path: Path) -> int:
    """Bytes of every file under ``path`` (what Lambda counts, unzipped)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


# ---------------------------------------------------------------- what the stack uses


def building(scope: Construct) -> bool:
    """Real assets (``cdk -c lambdaAssets=build``, as ``make deploy``) or the synth stand-ins."""
    value = scope.node.try_get_context(CONTEXT_KEY)
    if value not in (None, "build", "stand-in"):
        raise ValueError(f"context {CONTEXT_KEY} must be 'build' or 'stand-in', not {value!r}")
    return value == "build"


@functools.cache
def _built(bundle: str) -> tuple[Path, str]:
    if bundle == "backend":
        return build_backend(), backend_hash()
    return build_ffmpeg_layer(), ffmpeg_hash()


def function_code(scope: Construct) -> lambda_.Code:
    """Every backend function's code: the built asset, or in synth tests ``backend/`` alone."""
    if building(scope):
        path, digest = _built("backend")
        return lambda_.Code.from_asset(str(path), asset_hash=digest, asset_hash_type=cdk.AssetHashType.CUSTOM)
    return lambda_.Code.from_asset(
        str(REPO), exclude=["*", "!backend", "!backend/**", "**/__pycache__", "backend/local"]
    )


def _stand_in_layer() -> Path:
    path = ASSET_ROOT / "stand-in-ffmpeg"
    marker = path / FFMPEG_LAYER_FILE
    if not marker.is_file():
        marker.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=marker.parent, delete=False) as handle:
            handle.write(b"stand-in: synth without -c lambdaAssets=build\n")
        os.replace(handle.name, marker)
    return path


def ffmpeg_layer_code(scope: Construct) -> lambda_.Code:
    """The ffmpeg layer's content: the built one, or in synth tests a stand-in file."""
    if building(scope):
        path, digest = _built("ffmpeg")
        return lambda_.Code.from_asset(str(path), asset_hash=digest, asset_hash_type=cdk.AssetHashType.CUSTOM)
    return lambda_.Code.from_asset(str(_stand_in_layer()))


def ffmpeg_layer(scope: Construct) -> lambda_.LayerVersion:
    """The stack's one ffmpeg layer (made on first use)."""
    stack = cdk.Stack.of(scope)
    existing = stack.node.try_find_child("FfmpegLayer")
    if isinstance(existing, lambda_.LayerVersion):
        return existing
    return lambda_.LayerVersion(
        stack,
        "FfmpegLayer",
        code=ffmpeg_layer_code(stack),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description=f"ffmpeg, gzipped at {FFMPEG_LAYER_PATH}, from "
        + requirement_pins(MEDIA_REQUIREMENTS)["imageio-ffmpeg"],
    )


def attach_ffmpeg(*functions: lambda_.Function) -> None:
    """Give functions that run ffmpeg the layer, and tell ``backend.media.video`` where it is."""
    for function in functions:
        function.add_layers(ffmpeg_layer(function))
        function.add_environment("LUMI_FFMPEG_PATH", FFMPEG_LAYER_PATH)


# ---------------------------------------------------------------- checks (tests/infra/test_assets.py, bench)


@dataclass(frozen=True)
class StackFunction:
    """One of the stack's backend functions, as the template will hold it."""

    handler: str
    ffmpeg: bool
    environment: dict[str, str]
    runtime: str
    architecture: str


def stack_template(context: dict | None = None) -> dict:
    """The dev stack's template, synthesized without cdk-nag (a few seconds; stand-in assets
    unless ``context`` says ``lambdaAssets=build``)."""
    from infra.stack import LumiStack

    app = cdk.App(context=context)
    LumiStack(app, "Lumi-assets", stage="dev", app_origins=["https://app.lumi.example"])
    return app.synth().get_stack_by_name("Lumi-assets").template


def stack_functions(template: dict) -> list[StackFunction]:
    """Every function of a template running a ``backend`` handler (CDK's own are Node)."""
    found = []
    for resource in template["Resources"].values():
        properties = resource["Properties"]
        if resource["Type"] != "AWS::Lambda::Function" or not properties.get("Handler", "").startswith("backend."):
            continue
        layers = [template["Resources"][layer["Ref"]] for layer in properties.get("Layers", [])]
        variables = properties.get("Environment", {}).get("Variables", {})
        found.append(
            StackFunction(
                handler=properties["Handler"],
                ffmpeg=any("ffmpeg" in layer["Properties"].get("Description", "") for layer in layers),
                # References to other resources are not known before a deploy: a placeholder will do.
                environment={k: v if isinstance(v, str) else f"placeholder-{k.lower()}" for k, v in variables.items()},
                runtime=properties["Runtime"],
                architecture=properties.get("Architectures", ["x86_64"])[0],
            )
        )
    return found


IMPORT_SCRIPT = """
import json, sys, time
asset, module_name, attribute, guard = sys.argv[1:5]
if guard == "no-network":
    import socket
    def _no_network(*args, **kwargs):
        raise RuntimeError("network use while importing the handler")
    socket.socket.connect = socket.create_connection = socket.getaddrinfo = _no_network
sys.path.insert(0, asset)
started, cpu = time.perf_counter(), time.process_time()
module = __import__(module_name, fromlist=["_"])
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
assert callable(getattr(module, attribute)), attribute
outside = sorted(
    name for name, loaded in list(sys.modules.items())
    if getattr(loaded, "__file__", None) and not loaded.__file__.startswith((asset, sys.base_prefix))
)
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "modules": len(sys.modules), "outside": outside}))
"""


def clean_environment(
    asset: Path, function: StackFunction, *, layer: Path | None = None, temporary: Path | None = None
) -> dict[str, str]:
    """What the function's interpreter sees: its variables, Lambda's own, no AWS credentials;
    ``LUMI_FFMPEG_PATH`` to the layer's file where it would be under /opt."""
    environment = {
        **function.environment,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_NAME": "lumi-import-check",
        "LAMBDA_TASK_ROOT": str(asset),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
    }
    if layer is not None and "LUMI_FFMPEG_PATH" in environment:
        environment["LUMI_FFMPEG_PATH"] = str(layer / environment["LUMI_FFMPEG_PATH"].removeprefix("/opt/"))
    if temporary is not None:
        environment["TMPDIR"] = str(temporary)
    return environment


def run_clean(python: str, script: str, *arguments: str, environment: dict[str, str]) -> str:
    """Run ``script`` in a fresh ``python -I -S -B``: no site-packages, no user site, no
    PYTHON* variables, nothing written; its stdout, or ImportError with its stderr."""
    result = subprocess.run(
        [python, "-I", "-S", "-B", "-c", script, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    if result.returncode != 0:
        raise ImportError(result.stderr[-4000:])
    return result.stdout


def clean_import(
    python: str,
    asset: Path,
    function: StackFunction,
    *,
    layer: Path | None = None,
    temporary: Path | None = None,
    guard: bool = True,
) -> dict:
    """Import ``function``'s handler with only the asset (and the standard library) on the
    path, in the function's environment (with ``guard``, any network use fails the import):
    its import time (wall and CPU), module count, and any module loaded from elsewhere."""
    module, _, attribute = function.handler.rpartition(".")
    environment = clean_environment(asset, function, layer=layer, temporary=temporary)
    try:
        guarded = "no-network" if guard else "-"
        output = run_clean(python, IMPORT_SCRIPT, str(asset), module, attribute, guarded, environment=environment)
    except ImportError as error:
        raise ImportError(f"{function.handler} does not import from {asset.name}:\n{error}") from None
    return json.loads(output.strip().splitlines()[-1])


if __name__ == "__main__":
    for name, build in (("backend", build_backend), ("ffmpeg layer", build_ffmpeg_layer)):
        built = build()
        print(f"{name}: {built.relative_to(REPO)} ({tree_size(built) / 1e6:.1f} MB unzipped)")
