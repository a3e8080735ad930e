"""The bundled connectors ship the connector only (issue 13 §4): their store emulators are
distributions of their own, which `hub demo` finds through the `connect_hub.demo_stores`
entry points (§1)."""

import ast
import importlib.metadata as md
import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hub.demo import DEMO_STORES_GROUP, demo_stores

ROOT = Path(__file__).resolve().parents[1]
CONNECTORS = {
    "shopify": "connect-shopify",
    "magento": "connect-magento",
    "prestashop": "connect-prestashop",
    "woocommerce": "connect-woocommerce",
}
EMULATOR_ONLY = {"flask", "werkzeug", "graphql-core"}


def _name(requirement):
    return re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _runtime_requirements(dist):
    return {_name(r) for r in md.requires(dist) or () if "extra ==" not in r}


def _imported_top_levels(package):
    """Top-level modules the connector's own code imports (its emulator lives elsewhere)."""
    spec = importlib.util.find_spec(package)
    names = set()
    for path in Path(next(iter(spec.submodule_search_locations))).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("key", sorted(CONNECTORS))
def test_the_connector_distribution_holds_no_emulator(key):
    dist = CONNECTORS[key]
    package = dist.replace("-", "_")
    assert md.distribution(dist).read_text("top_level.txt").split() == [package]
    assert not [str(f) for f in md.files(dist) or () if "emulator" in str(f)]
    assert importlib.util.find_spec(f"{package}.emulator") is None
    # the emulator is its own distribution
    assert md.packages_distributions()[f"{package}_emulator"] == [f"{dist}-emulator"]


@pytest.mark.parametrize("key", sorted(CONNECTORS))
def test_the_connector_requires_what_it_imports_not_its_emulator(key):
    dist = CONNECTORS[key]
    runtime = _runtime_requirements(dist)
    assert not {r for r in runtime if r.endswith("-emulator")}, runtime
    imported = _imported_top_levels(dist.replace("-", "_"))
    assert not any(m.endswith("_emulator") for m in imported)
    for requirement in EMULATOR_ONLY & runtime:
        module = "graphql" if requirement == "graphql-core" else requirement
        assert module in imported, f"{dist} requires {requirement} but never imports {module}"
    # its tests get the emulator from the `test` extra
    extras = [r for r in md.requires(dist) if "extra ==" in r]
    assert any(_name(r) == f"{dist}-emulator" for r in extras), extras


@pytest.mark.parametrize("key", sorted(CONNECTORS))
def test_the_connector_imports_without_its_emulator_or_flask(key):
    package = CONNECTORS[key].replace("-", "_")
    code = f"""
import importlib, importlib.abc, pkgutil, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("flask", "werkzeug", "graphql") or top.endswith("_emulator"):
            raise ImportError("not installed: " + name)

sys.meta_path.insert(0, Block())
package = importlib.import_module("{package}")
for info in pkgutil.iter_modules(package.__path__):
    importlib.import_module("{package}." + info.name)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_the_demo_stores_are_entry_points_of_the_emulators():
    names = {ep.name: ep for ep in md.entry_points(group=DEMO_STORES_GROUP)}
    assert set(CONNECTORS) <= set(names)
    stores = {s.connector: s for s in demo_stores()}
    for key, dist in CONNECTORS.items():
        assert names[key].dist.name == f"{dist}-emulator"
        store = stores[key]
        assert store.distribution == f"{dist}-emulator"
        assert store.module == f"{dist.replace('-', '_')}_emulator"
        assert importlib.util.find_spec(f"{store.module}.__main__") is not None
        assert store.label.startswith("Demo ") and store.port and store.credentials
    # by preferred port, as before: Shopify 8101, Magento 8102, PrestaShop 8103, WooCommerce 8104
    ordered = [s for s in demo_stores() if s.connector in CONNECTORS]
    assert [(s.connector, s.port) for s in ordered] == [
        ("shopify", 8101),
        ("magento", 8102),
        ("prestashop", 8103),
        ("woocommerce", 8104),
    ]


def test_hub_demo_names_no_connector_module():
    source = (ROOT / "hub" / "demo.py").read_text(encoding="utf-8")
    for key in CONNECTORS:
        assert f"connect_{key}" not in source


@pytest.fixture(scope="module")
def connector_wheels(tmp_path_factory):
    """The three connectors' wheels: what `pip install connect-<x>` would install."""
    out = tmp_path_factory.mktemp("wheels")
    # built from private copies: setuptools writes build/ and *.egg-info into the tree it
    # builds, so two builds of the same tree (two sessions, two workers) would collide
    sources = tmp_path_factory.mktemp("sources")
    for dist in CONNECTORS.values():
        shutil.copytree(
            ROOT / "plugins" / dist,
            sources / dist,
            ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
        )
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out)]
        + [str(sources / dist) for dist in CONNECTORS.values()],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode and "No matching distribution found for setuptools" in build.stderr:
        pytest.skip("pip cannot fetch setuptools to build the wheels (offline)")
    assert build.returncode == 0, build.stderr
    return out


@pytest.mark.slow
@pytest.mark.xdist_group("connector_wheels")  # the wheels built once, on one worker
@pytest.mark.parametrize("key", sorted(CONNECTORS))
def test_the_connector_wheel_is_the_connector_only(key, connector_wheels):
    dist = CONNECTORS[key]
    package = dist.replace("-", "_")
    (wheel,) = connector_wheels.glob(f"{package}-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(f"{package}-0.1.0.dist-info/METADATA").decode()
    assert {n.split("/")[0] for n in names} == {package, f"{package}-0.1.0.dist-info"}
    assert not [n for n in names if "emulator" in n or (not n.endswith((".py", ".txt")) and
                not n.endswith(("METADATA", "WHEEL", "RECORD")))]  # fmt: skip
    runtime = {
        _name(line.split(":", 1)[1].strip())
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    assert runtime, metadata
    assert not runtime & (EMULATOR_ONLY | {f"{dist}-emulator"}), runtime
