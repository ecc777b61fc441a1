"""`pip install .` gives the vizcore library alone, with its built-in weights, usable from any directory.

The checkout is copied (so the build's `build/` and `*.egg-info` stay out of the working tree), built into a wheel
with the environment's setuptools, and installed by pip into a folder of its own; a fresh interpreter started in
another directory with only that folder on PYTHONPATH (its dependencies come from this environment) loads the
built-in shapes model and scores a sample photo exactly as the checkout does.
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import vizcore as vc

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.pyc", ".pytest_cache", "build", "dist",
                                    "*.egg-info", "out")
PREDICT = """
import json, vizcore as vc
top = vc.load_model("builtin-shapes").predict(vc.data.builtin("samples")[0][0])
print(json.dumps({"file": vc.__file__, "top": top}))
"""


def pip(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--quiet", *map(str, args)], check=True, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("clone") / "deepvis"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist = tmp_path_factory.mktemp("dist")
    pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", dist, source)
    (built,) = dist.glob("vizcore-*.whl")
    return built


def test_the_wheel_holds_every_vizcore_package_and_the_weights_and_nothing_of_the_app(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        weights = {name: archive.getinfo(name).file_size for name in names if name.endswith(".pt")}
        (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        requires = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")
    packages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "vizcore").rglob("__init__.py")}
    assert packages and packages <= names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "vizcore").rglob("*.py")}
    assert modules <= names
    assert weights == {p.relative_to(ROOT).as_posix(): p.stat().st_size
                       for p in (ROOT / "vizcore" / "builtin" / "weights").glob("*.pt")}
    assert {"vizcore/builtin/weights/shapes.pt", "vizcore/builtin/weights/digits.pt"} <= set(weights)
    assert {name.split("/")[0] for name in names} == {"vizcore", metadata.split("/")[0]}  # no app.py, pages, studio
    plain = {r.split(";")[0].split(">")[0].split("<")[0].strip() for r in requires if "extra ==" not in r}
    assert {"torch", "torchvision", "numpy", "pillow", "scikit-learn", "captum", "openTSNE", "umap-learn"} <= plain
    assert not plain & {"streamlit", "plotly", "pandas", "pytest", "playwright", "ruff"}
    assert any(r.startswith("streamlit") and 'extra == "app"' in r for r in requires)


def test_an_installed_copy_predicts_from_another_directory_as_the_checkout_does(wheel, tmp_path):
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip("install", "--no-deps", "--no-index", "--target", target, wheel)
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-c", PREDICT], cwd=elsewhere, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    installed = json.loads(run.stdout.splitlines()[-1])
    assert Path(installed["file"]).resolve() == (target / "vizcore" / "__init__.py").resolve()
    expected = vc.load_model("builtin-shapes").predict(vc.data.builtin("samples")[0][0])
    assert [label for label, _ in installed["top"]] == [label for label, _ in expected]
    assert [p for _, p in installed["top"]] == pytest.approx([p for _, p in expected], abs=1e-6)
