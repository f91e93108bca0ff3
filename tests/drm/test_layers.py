"""Apps depend one way: scoring > goals > leads > distributors > drm.

import-linter enforces the contract in pyproject.toml; an AST scan of every module is the second
guard, so a broken linter install cannot let a wrong import through silently.
"""

import ast
import fnmatch
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CONTRACT = next(
    contract
    for contract in PYPROJECT["tool"]["importlinter"]["contracts"]
    if contract["type"] == "layers"
)
# Highest first, as in the contract.
LAYERS = CONTRACT["layers"]
IGNORED = [tuple(part.strip() for part in rule.split("->")) for rule in CONTRACT["ignore_imports"]]


def test_import_linter_keeps_the_layers_contract():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    assert command, "lint-imports is not installed (pip install -e '.[dev]')"

    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def module_name(path, root):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree, module, root):
    """Absolute names of the modules a module imports (relative imports resolved)."""
    package = module if (root / module.replace(".", "/") / "__init__.py").exists() else None
    package = package or module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module
            for alias in node.names:
                # `from distributors import views` imports the module distributors.views.
                candidate = f"{target}.{alias.name}"
                path = root / candidate.replace(".", "/")
                is_module = path.with_suffix(".py").exists() or (path / "__init__.py").exists()
                yield candidate if is_module else target


def is_ignored(importer, imported):
    return any(
        fnmatch.fnmatchcase(importer, source) and fnmatch.fnmatchcase(imported, target)
        for source, target in IGNORED
    )


def layer_violations(root, layers=LAYERS):
    """(importer, imported) pairs where a lower layer imports a higher one."""
    rank = {name: position for position, name in enumerate(layers)}  # 0 is the highest
    found = []
    for layer in layers:
        for path in sorted((root / layer).rglob("*.py")):
            module = module_name(path, root)
            tree = ast.parse(path.read_text(), filename=str(path))
            for imported in imported_modules(tree, module, root):
                top = imported.split(".")[0]
                if top in rank and rank[top] < rank[layer] and not is_ignored(module, imported):
                    found.append((module, imported))
    return sorted(set(found))


def test_no_lower_app_imports_a_higher_one():
    assert layer_violations(ROOT) == []


def test_the_import_scan_catches_a_lower_app_importing_a_higher_one(tmp_path):
    for package in ("high", "low"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "high" / "models.py").write_text("import low.models\n")
    (tmp_path / "low" / "models.py").write_text("")
    (tmp_path / "low" / "services.py").write_text(
        "def f():\n    from high import models\n    return models\n"
    )

    assert layer_violations(tmp_path, layers=["high", "low"]) == [("low.services", "high.models")]
