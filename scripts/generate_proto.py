"""Regenerates the Python code of the wire contract from proto/.

The one command that produces timebank/v1/*_pb2*.py(i): messages and their stubs from
grpcio-tools' protoc, the gRPC stubs' type stubs (*_pb2_grpc.pyi) from mypy-protobuf's
plugin, so the type checker knows every stub and servicer. The folder path of each
.proto file mirrors the Python package path, so generated imports work unchanged.
Run with no arguments to rewrite the checked-in code, or with --out DIR to write
elsewhere (the staleness test compares the two).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"


def proto_files() -> list[pathlib.Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: pathlib.Path) -> list[pathlib.Path]:
    """Writes generated modules under out_dir; returns the paths written."""
    from grpc_tools import protoc  # test extra: only needed to regenerate

    plugin = pathlib.Path(sys.executable).parent / "protoc-gen-mypy_grpc"
    if not plugin.exists():
        raise SystemExit(f"{plugin} is missing: install the test extra (pip install -e '.[test]')")
    out_dir.mkdir(parents=True, exist_ok=True)
    relative = [str(path.relative_to(PROTO_ROOT)) for path in proto_files()]
    arguments = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--plugin=protoc-gen-mypy_grpc={plugin}",
        f"--mypy_grpc_out={out_dir}",
        *relative,
    ]
    status = protoc.main(arguments)
    if status != 0:
        raise SystemExit(f"protoc failed with status {status}")
    stems = [out_dir / name.removesuffix(".proto") for name in relative]
    suffixes = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi")
    return [stem.with_name(stem.name + suffix) for stem in stems for suffix in suffixes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT)
    written = generate(parser.parse_args().out)
    for path in written:
        print(path)


if __name__ == "__main__":
    sys.exit(main())
