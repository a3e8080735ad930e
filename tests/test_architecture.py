"""The layers of README "Architecture", enforced: the import-linter contracts of pyproject.toml
hold, a deliberate violation breaks them by name, and connector tests use hub.testing only."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PUBLIC_FACE = {"testing", "records", "outcomes", "errors", "hookspecs", "context", "http"}
PUBLIC_FACE |= {"bounds", "toolkit"}


def lint_imports(cwd, *args):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
    )


def test_the_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def _hub_only_config():
    """The hub's contracts of pyproject.toml (without the connectors, not copied)."""
    text = (ROOT / "pyproject.toml").read_text()
    start, end = text.index("[tool.importlinter]"), text.index("[tool.ruff]")
    config = text[start:end]
    config = config.replace(
        'root_packages = ["hub", "connect_shopify", "connect_magento", "connect_prestashop", '
        '"connect_woocommerce"]',
        'root_packages = ["hub"]',
    )
    first = config.index('[[tool.importlinter.contracts]]\nid = "connectors"')
    after = config.index("[[tool.importlinter.contracts]]", first + 1)
    return config[:first] + config[after:]


def _copy_hub(tmp_path):
    shutil.copytree(ROOT / "hub", tmp_path / "hub", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pyproject.toml").write_text(_hub_only_config())


def test_a_model_importing_the_dashboard_breaks_the_layers_by_name(tmp_path):
    _copy_hub(tmp_path)
    assert lint_imports(tmp_path).returncode == 0  # the copy is clean
    models = tmp_path / "hub" / "models" / "__init__.py"
    models.write_text(models.read_text() + "\nimport hub.web  # a deliberate violation\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "The hub's layers point down only BROKEN" in result.stdout
    assert "hub.models is not allowed to import hub.web" in result.stdout
    assert "hub.models -> hub.web (l." in result.stdout


def test_an_engine_module_importing_a_handler_breaks_the_layers(tmp_path):
    _copy_hub(tmp_path)
    runs = tmp_path / "hub" / "engine" / "runs.py"
    runs.write_text(runs.read_text() + "\nfrom hub.feeds import orders  # a deliberate violation\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "hub.engine is not allowed to import hub.feeds" in result.stdout
    assert "hub.engine.runs -> hub.feeds" in result.stdout


def _is_submodule(name):
    return (ROOT / "hub" / f"{name}.py").exists() or (ROOT / "hub" / name).is_dir()


def _hub_imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "hub":  # `from hub import hookimpl, Invalid`: the package's face
                names = [f"hub.{a.name}" for a in node.names if _is_submodule(a.name)]
        else:
            continue
        for name in names:
            if name.startswith("hub."):
                yield node.lineno, name


def test_connector_tests_use_the_public_face_and_hub_testing_only():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted(ROOT.glob("plugins/connect-*/tests/*.py"))
        for line, name in _hub_imports(path)
        if name.split(".")[1] not in PUBLIC_FACE
    ]
    assert not wrong, "\n".join(wrong)
