"""The connector guide stays true (issue 17 §3): its snippets run as they are written.

A ```python block of docs/writing-a-connector.md or docs/hooks.md on the line after
``<!-- runnable -->`` is executed on its own, imports included, and its asserts must hold (the
test shop's store, tests/testshop, stands in for a real store over loopback HTTP). A block after
``<!-- runnable: pytest -->`` is a test module as a connector author writes it: pytest runs it
in a folder of its own, with the fixtures of the hub's pytest plugin, and every test in it must
pass. The light ``connect-hub[testing]`` extra the guide tells authors to install must cover
what ``hub.testing`` imports, without the hub's own test stack."""

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
GUIDES = ("writing-a-connector.md", "hooks.md")
MARKER = re.compile(r"^<!-- runnable(?:: (?P<kind>[a-z]+))? -->$")


def _snippets():
    """(guide, line, kind, code) of every marked block; a marker before anything but a python
    block is a mistake in the guide, reported as such."""
    found = []
    for guide in GUIDES:
        lines = (ROOT / "docs" / guide).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            marker = MARKER.match(line)
            if not marker:
                continue
            fence = lines[number] if number < len(lines) else ""
            assert fence == "```python", f"{guide}:{number}: a runnable marker before {fence!r}"
            end = lines.index("```", number + 1)
            code = "\n".join(lines[number + 1 : end]) + "\n"
            found.append((guide, number + 2, marker["kind"] or "exec", code))
    return found


SNIPPETS = _snippets()


def _ids(kind):
    return [
        pytest.param(guide, line, code, id=f"{guide}:{line}")
        for guide, line, k, code in SNIPPETS
        if k == kind
    ]


def test_the_guides_mark_their_snippets_runnable():
    """Each topic the guide must show in code has its runnable block (a marker lost in an edit
    would otherwise drop a snippet from the test silently)."""
    text = "\n".join(code for _guide, _line, _kind, code in SNIPPETS)
    for needle in (
        "KeysetCursor",  # cursor rules
        "updated_since",  # an API that only filters by update time
        "AuthenticationError",  # which exception for what
        "conflict(",  # compare-and-swap in hub_push_stock_levels
        "session_once",  # a shipment pushed twice ships once
        '"order_status"',  # an order projected to an order-status record
        "orders_since",  # seeding recent dates
        "ConnectorContractSuite",  # the contract suite
    ):
        assert needle in text, f"no runnable snippet of the guide shows {needle}"
    assert sum(kind == "pytest" for _g, _l, kind, _c in SNIPPETS) >= 1


@pytest.mark.parametrize(("guide", "line", "code"), _ids("exec"))
def test_snippet_runs(guide, line, code):
    # compiled at its own lines of the guide: a failure's traceback shows the guide's text
    compiled = compile("\n" * (line - 1) + code, str(ROOT / "docs" / guide), "exec")
    exec(compiled, {"__name__": "snippet"})  # noqa: S102 - the guide's own code


@pytest.mark.parametrize(("guide", "line", "code"), _ids("pytest"))
def test_snippet_test_module_passes(guide, line, code, tmp_path):
    module = tmp_path / "test_snippet.py"
    module.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
         "-W", "error", "-W", "ignore::DeprecationWarning", "-W", "ignore::ResourceWarning",
         str(module)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert re.search(r"\b\d+ passed\b", result.stdout), report
    assert not re.search(r"\b(skipped|failed|error)\b", result.stdout.splitlines()[-1]), report


# -- the testing extra -------------------------------------------------------------------------


def _requirements(names):
    return {canonicalize_name(Requirement(r).name) for r in names}


def _with_their_requirements(names):
    """``names`` and what those distributions require in turn (werkzeug comes with flask)."""
    found = set(names)
    for name in names:
        for line in requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                found.add(canonicalize_name(requirement.name))
    return found


def _third_party_imports(folder):
    modules = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {
        m for m in modules if m not in sys.stdlib_module_names and m not in ("hub", "_typeshed")
    }


def test_the_testing_extra_covers_hub_testing_and_stays_light():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    testing = _requirements(project["optional-dependencies"]["testing"])
    core = _with_their_requirements(_requirements(project["dependencies"]))
    distributions = packages_distributions()
    for module in sorted(_third_party_imports(ROOT / "hub" / "testing")):
        dists = {canonicalize_name(d) for d in distributions.get(module, [module])}
        assert dists & (core | testing), (
            f"hub.testing imports {module} ({', '.join(dists)}): neither the hub nor "
            "connect-hub[testing] requires it"
        )
    heavy = {"selenium", "psycopg2-binary", "redis", "import-linter", "ruff", "honcho"}
    assert not testing & heavy, testing & heavy
    template = (ROOT / "hub/scaffold/templates/DIST/pyproject.toml.j2").read_text(encoding="utf-8")
    assert '"connect-hub[testing]"' in template
