"""The container: the Dockerfile builds a wheel from the build context and runs it unprivileged;
the build context holds what the Dockerfile copies and the wheel needs; with a Docker
daemon, the image builds and runs.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.deploy.manifests import (
    DOCKERFILE,
    IMAGE,
    ROOT,
    USER_ID,
    dockerfile_stages,
    dockerignore_rules,
    in_build_context,
)
from timebank import __version__

pytestmark = pytest.mark.deploy


def test_version_is_the_same_in_the_package_and_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__


def test_dockerfile_builds_a_wheel_and_runs_it_as_an_unprivileged_user() -> None:
    stages = dockerfile_stages()
    assert len(stages) == 2, "a builder stage and a runtime stage"
    for stage in stages:
        assert stage[0].value.split()[0] == "python:3.11-slim"
    builder, runtime = stages
    assert builder[0].value.split()[-1] == "builder"
    build_steps = " ".join(i.value for i in builder if i.keyword == "RUN")
    assert "pip wheel" in build_steps and "/opt/timebank" in build_steps
    keywords = {i.keyword: i.value for i in runtime}
    assert keywords["USER"] == f"{USER_ID}:{USER_ID}"
    assert keywords["WORKDIR"] == "/var/lib/timebank"
    assert json.loads(keywords["ENTRYPOINT"]) == ["timebank"], "exec form, no shell"
    runs = " ".join(i.value for i in runtime if i.keyword == "RUN")
    assert f"--gid {USER_ID} timebank" in runs and f"--uid {USER_ID} --gid {USER_ID}" in runs
    copies = [i.value for i in runtime if i.keyword == "COPY"]
    assert copies == ["--from=builder /opt/timebank /opt/timebank"], "the runtime gets the installed wheel only"
    assert "PATH=/opt/timebank/bin:$PATH" in keywords["ENV"]
    assert f'org.opencontainers.image.version="{__version__}"' in keywords["LABEL"]
    assert f"-t {IMAGE} ." in DOCKERFILE.read_text(encoding="utf-8")
    # Python of the image satisfies the project's requirement.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"


def _copied_sources() -> list[str]:
    sources = []
    for instruction in dockerfile_stages()[0]:
        if instruction.keyword == "COPY" and not instruction.value.startswith("--from"):
            sources += instruction.value.split()[:-1]
    return sources


def test_build_context_holds_what_the_dockerfile_copies_and_the_wheel_needs() -> None:
    rules = dockerignore_rules()
    for source in _copied_sources():
        assert (ROOT / source).exists(), source
        assert in_build_context(source, rules), f"{source} is excluded by .dockerignore"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["readme"] in _copied_sources()
    packages = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= set(_copied_sources()), "every package the wheel holds is copied"
    for kept_out in (".venv/bin/python", "tests/conftest.py", ".git/HEAD", "deploy/compose/city/ca/ca-key.pem"):
        assert not in_build_context(kept_out, rules), kept_out
    assert not in_build_context("timebank/__pycache__/cli.cpython-311.pyc", rules)
    assert in_build_context("timebank/storage/migrations/versions/0001_initial_ledger_schema.py", rules)


def _build_context_copy(target: pathlib.Path) -> None:
    rules = dockerignore_rules()
    for source in _copied_sources():
        path = ROOT / source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if in_build_context(relative, rules):
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target / relative)


def test_wheel_built_from_the_build_context_holds_every_module_migration_and_the_command(
    tmp_path: pathlib.Path,
) -> None:
    """What the builder stage does, without Docker: a wheel from the context alone."""
    import setuptools

    if tuple(int(part) for part in setuptools.__version__.split(".")[:2]) < (70, 1):
        pytest.skip(f"setuptools {setuptools.__version__} here cannot build a wheel without the `wheel` package")
    context, wheels = tmp_path / "context", tmp_path / "wheels"
    _build_context_copy(context)
    environment = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(wheels), str(context)],
        check=True,
        env=environment,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob(f"timebank-{__version__}-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"timebank-{__version__}.dist-info/entry_points.txt").decode()
    modules = {
        path.relative_to(ROOT).as_posix()
        for package in ("timebank", "nodes", "clearinghouse", "city")
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules - names == set(), "modules missing from the wheel"
    assert any(name.startswith("timebank/storage/migrations/versions/0001") for name in names)
    assert any(name.startswith("nodes/migrations/node_0008") for name in names)
    assert any(name.startswith("clearinghouse/migrations/clearinghouse_0008") for name in names)
    assert "timebank/storage/migrations/script.py.mako" in names
    assert "timebank = city.cli:main" in entry_points


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_image_builds_and_runs() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed on this machine")
    if subprocess.run([docker, "info"], capture_output=True, timeout=60).returncode != 0:
        pytest.skip("docker is installed but its daemon is not reachable (`docker info` fails)")
    tag = f"timebank-test-build:{__version__}"
    built = subprocess.run(
        [docker, "build", "-f", str(DOCKERFILE), "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=1700
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    try:
        shown = subprocess.run([docker, "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=120)
        assert shown.stdout.strip() == f"timebank {__version__}"
        user = subprocess.run(
            [docker, "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True, timeout=120
        )
        assert user.stdout.strip() == str(USER_ID)
    finally:
        subprocess.run([docker, "image", "rm", tag], capture_output=True, timeout=120)
