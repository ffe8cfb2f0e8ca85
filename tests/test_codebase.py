"""Checks on the codebase itself: generated code is fresh, layering holds, lint is clean."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


def test_generated_protobuf_code_is_fresh(tmp_path: pathlib.Path) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_proto.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.py*"))
    generated = [*(ROOT / "timebank" / "v1").glob("*_pb2*.py*"), ROOT / "timebank" / "v1" / "comments.py"]
    checked_in = sorted(p.relative_to(ROOT) for p in generated)
    assert fresh == checked_in, "generated files differ from the checked-in set: run `make proto`"
    for relative in fresh:
        assert (tmp_path / relative).read_bytes() == (ROOT / relative).read_bytes(), (
            f"{relative} is stale: run `make proto` and commit the result"
        )


def test_import_contracts_hold() -> None:
    run = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_finds_nothing() -> None:
    run = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_format_changes_nothing() -> None:
    run = subprocess.run(
        [str(BIN / "ruff"), "format", "--check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, "run `ruff format .`:\n" + run.stdout + run.stderr


def test_every_module_opens_with_a_docstring() -> None:
    missing = []
    for package in HAND_WRITTEN_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "v1" in path.parts or "versions" in path.parts:
                continue
            if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None:
                missing.append(str(path.relative_to(ROOT)))
    assert missing == []


def test_pre_commit_runs_what_make_lint_runs() -> None:
    import re

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    committed = {hook["entry"].removeprefix(".venv/bin/") for hook in hooks}
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nlint: venv\n", 1)[1].split("\n\n", 1)[0]
    linted = {re.sub(r"^\t\$\(BIN\)/", "", line).removesuffix(" .") for line in recipe.splitlines()}
    assert committed == linted


HAND_WRITTEN_PACKAGES = ("timebank", "nodes", "clearinghouse", "console", "city")


def _hand_written(module: str) -> bool:
    """Every module of the packages but the generated protobuf code and the migrations."""
    return not (module == "timebank.v1" or module.startswith("timebank.v1.") or ".migrations" in module)


def _reachable(imports: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    pending = list(imports[start])
    while pending:
        module = pending.pop()
        if module not in seen:
            seen.add(module)
            pending.extend(imports[module])
    return seen


def test_no_module_imports_one_that_imports_it_back() -> None:
    """Import cycles among the hand-written modules, function-local imports included: each
    cycle is a strongly connected component of the module -> module import graph."""
    import grimp

    graph = grimp.build_graph(*HAND_WRITTEN_PACKAGES)
    modules = sorted(module for module in graph.modules if _hand_written(module))
    imports = {
        module: {imported for imported in graph.find_modules_directly_imported_by(module) if _hand_written(imported)}
        for module in modules
    }
    reachable = {module: _reachable(imports, module) for module in modules}
    cycles: list[list[str]] = []
    placed: set[str] = set()
    for module in modules:
        if module in placed or module not in reachable[module]:
            continue
        cycle = sorted(other for other in reachable[module] if module in reachable[other])
        placed.update(cycle)
        cycles.append(cycle)
    described = []
    for cycle in cycles:
        edges = [
            f"    {importer} imports {imported} (line {detail['line_number']}: {detail['line_contents']})"
            for importer in cycle
            for imported in sorted(imports[importer] & set(cycle))
            for detail in graph.get_import_details(importer=importer, imported=imported)[:1]
        ]
        described.append(" <-> ".join(cycle) + "\n" + "\n".join(edges))
    assert cycles == [], "import cycles:\n" + "\n".join(described)


def test_types_check() -> None:
    """mypy, strict, over every hand-written package (its configuration is in pyproject.toml)."""
    run = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr


def _modules(*folders: str) -> list[pathlib.Path]:
    """The hand-written Python files under folders: not the generated code, not the migrations."""
    return [
        path
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "v1" not in path.relative_to(ROOT).parts and "migrations" not in path.parts
    ]


# A module is one concern; one this long has several. The table definitions are the exception.
LINES_MAX = 620
LONGER_ALLOWED = {"timebank/storage/schema.py", "nodes/tables.py", "clearinghouse/tables.py"}


def test_no_module_is_longer_than_about_600_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in _modules(*HAND_WRITTEN_PACKAGES, "tests", "scripts")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > LINES_MAX
    }
    assert {name: count for name, count in long.items() if name not in LONGER_ALLOWED} == {}


def _defined_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(public names a module defines at its top level, every name it binds there)."""
    public: set[str] = set()
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            continue
        else:
            continue
        bound.update(names)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            public.update(name for name in names if not name.startswith("_"))
    return public, bound


def _declared_all(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return [element.value for element in node.value.elts]  # type: ignore[attr-defined]
    return None


def test_each_module_names_its_public_things_in_all() -> None:
    """Every module that defines something declares __all__; it names every public function
    and class the module defines, and nothing the module does not bind."""
    problems = []
    for path in _modules(*HAND_WRITTEN_PACKAGES):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        public, bound = _defined_names(tree)
        declared = _declared_all(tree)
        name = str(path.relative_to(ROOT))
        if declared is None:
            if public:
                problems.append(f"{name}: no __all__, yet it defines {sorted(public)}")
            continue
        if missing := public - set(declared):
            problems.append(f"{name}: __all__ leaves out {sorted(missing)}")
        if unknown := set(declared) - bound:
            problems.append(f"{name}: __all__ names {sorted(unknown)}, which it does not define")
    assert problems == []
