"""`hub connector new NAME` (issue 15 §1): the scaffold renders a connector and its emulator
that install, pass ruff with the repository's rules, and pass their own tests, the hub's
contract suite among them, out of the box.

The rendered packages are installed into a throwaway virtual environment that sees the shared
one's packages through a ``.pth`` file (the hub, pytest, Flask…): installing an extra connector
into the shared environment would change what every other test sees as installed."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from hub.scaffold import TEMPLATES, ScaffoldError, connector_names, planned_files, render

ROOT = Path(__file__).resolve().parents[1]
HUB = Path(sys.executable).parent / "hub"
LONGEST = "a" * 10 + "-" + "b" * 9 + "_" + "c" * 9  # NAME_MAX characters


def hub_cli(*args, cwd, env=None):
    return subprocess.run(
        [str(HUB), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "HUB_INSTANCE_DIR": str(Path(cwd) / "instance"), **(env or {})},
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "not a connector name"),
        ("Acme", "not a connector name"),
        ("1shop", "not a connector name"),
        ("acme shop", "not a connector name"),
        ("acme--shop", "not a connector name"),
        ("acme-", "not a connector name"),
        ("acme.shop", "not a connector name"),
        ("connect-acme", "without 'connect-'"),
        ("class", "Python keyword"),
        (LONGEST + "x", "too long"),
    ],
)
def test_a_bad_name_is_refused_with_the_reason(name, reason):
    with pytest.raises(ScaffoldError, match=re.escape(reason)):
        connector_names(name)


def test_the_names_derived_from_a_slug():
    names = connector_names("acme-shop")
    assert (names.key, names.dist, names.package) == (
        "acme_shop",
        "connect-acme-shop",
        "connect_acme_shop",
    )
    assert (names.emulator_dist, names.emulator) == (
        "connect-acme-shop-emulator",
        "connect_acme_shop_emulator",
    )
    assert (names.label, names.camel) == ("Acme Shop", "AcmeShop")
    assert 8200 <= names.demo_port < 8300
    assert connector_names("acme", label="ACME Store").label == "ACME Store"
    with pytest.raises(ScaffoldError, match="label"):
        connector_names("acme", label='say "hi"')


def test_the_cli_writes_into_plugins_and_refuses_an_existing_folder(tmp_path):
    (tmp_path / "plugins").mkdir()
    created = hub_cli("connector", "new", "acme", "--label", "Acme Store", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    connector = tmp_path / "plugins" / "connect-acme"
    plugin = (connector / "connect_acme" / "plugin.py").read_text(encoding="utf-8")
    assert '"key": "acme"' in plugin and '"label": "Acme Store"' in plugin
    pyproject = (connector / "pyproject.toml").read_text(encoding="utf-8")
    assert 'acme = "connect_acme.plugin"' in pyproject
    assert '"connect-hub>=0.1,<0.2"' in pyproject
    emulator = (tmp_path / "plugins" / "connect-acme-emulator" / "pyproject.toml").read_text(
        encoding="utf-8"
    )
    assert '[project.entry-points."connect_hub.demo_stores"]' in emulator
    assert 'acme = "connect_acme_emulator.demo:DEMO_STORE"' in emulator

    # an existing folder is refused, and nothing in it is touched
    (connector / "README.md").write_text("mine", encoding="utf-8")
    again = hub_cli("connector", "new", "acme", cwd=tmp_path)
    assert again.returncode == 2
    assert "connect-acme already exists" in again.stderr and "--force" in again.stderr
    assert (connector / "README.md").read_text(encoding="utf-8") == "mine"
    forced = hub_cli("connector", "new", "acme", "--force", "--json", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (connector / "README.md").read_text(encoding="utf-8") != "mine"

    # without ./plugins: the current folder; --path elsewhere
    bare = tmp_path / "bare"
    bare.mkdir()
    assert hub_cli("connector", "new", "acme", cwd=bare).returncode == 0
    assert (bare / "connect-acme" / "connect_acme" / "feeds.py").is_file()
    other = hub_cli("connector", "new", "zeta", "--path", str(tmp_path / "out"), cwd=bare)
    assert other.returncode == 0, other.stderr
    assert (tmp_path / "out" / "connect-zeta-emulator" / "connect_zeta_emulator").is_dir()


def test_the_cli_refuses_a_bad_name_and_an_installed_key(tmp_path):
    bad = hub_cli("connector", "new", "Acme Shop", cwd=tmp_path)
    assert bad.returncode == 2 and "not a connector name" in bad.stderr
    taken = hub_cli("connector", "new", "prestashop", cwd=tmp_path)
    assert taken.returncode == 2
    assert "already installed (connect-prestashop)" in taken.stderr
    assert not list(tmp_path.glob("connect-*"))


def test_the_rendered_code_passes_the_repository_ruff_rules(tmp_path):
    """Also with the longest name and label allowed: no line of a template outgrows 100."""
    render(connector_names("acme-shop"), tmp_path / "short")
    render(connector_names(LONGEST, label="L" * 40), tmp_path / "long")
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [ruff, *args, "--config", str(ROOT / "pyproject.toml"), str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_rendered_connector_passes_mypy_strict(tmp_path):
    """Its hooks are typed with the hub's records: mypy checks what they build (the hub read
    from this tree and not reported on, as an installed package would be)."""
    names = connector_names("acme")
    render(names, tmp_path)
    connector = tmp_path / names.dist
    mypy = [sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-incremental"]
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    result = subprocess.run(
        mypy, capture_output=True, text=True, cwd=connector, env=env, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found in 5 source files" in result.stdout, result.stdout
    # and it does check them: a quantity as text is caught
    mapping = connector / names.package / "mapping.py"
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace('int(row["quantity"])', 'str(row["quantity"])'), "utf-8")
    broken = subprocess.run(
        mypy, capture_output=True, text=True, cwd=connector, env=env, timeout=300
    )
    assert broken.returncode == 1 and "StockRecordDict" in broken.stdout, broken.stdout


def test_every_template_is_package_data_of_the_hub_wheel(tmp_path):
    """A wheel install of the hub has the templates (pyproject's package-data)."""
    source = tmp_path / "src"
    shutil.copytree(ROOT / "hub", source / "hub", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("connect_hub-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"hub/scaffold/templates/{t}" for t, _ in planned_files(connector_names("x"))}
    assert len(templates) == len(list(TEMPLATES.rglob("*.j2"))) > 10
    assert templates <= names, sorted(templates - names)


@pytest.fixture
def throwaway_venv(tmp_path):
    """A virtual environment of its own that sees the shared one's packages (after its own)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shared = sysconfig.get_paths()["purelib"]
    # addsitedir, not a bare path: the shared environment's own .pth files (the editable
    # installs of the hub and the bundled connectors) are read too
    Path(own, "shared-hub-env.pth").write_text(
        f"import site; site.addsitedir({shared!r})\n", encoding="utf-8"
    )
    return python


def test_a_new_connector_installs_and_passes_its_own_tests(tmp_path, throwaway_venv):
    names = connector_names("acme-shop", label="Acme Shop")
    render(names, tmp_path / "plugins")
    connector = tmp_path / "plugins" / names.dist
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(throwaway_venv), "install", "--no-deps",
         "--quiet", str(connector), str(tmp_path / "plugins" / names.emulator_dist)],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    listed = subprocess.run(
        [str(throwaway_venv), "-m", "hub.cli", "plugins", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "HUB_INSTANCE_DIR": str(tmp_path / "instance")},
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert '"key": "acme_shop"' in listed.stdout
    tests = subprocess.run(
        [str(throwaway_venv), "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q"],
        capture_output=True,
        text=True,
        cwd=connector,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=600,
    )
    report = tests.stdout + tests.stderr
    assert tests.returncode == 0, report
    # the summary line, e.g. "16 passed, 3 skipped, 1 warning in 9.1s": the skips are the
    # contract tests of the hooks the scaffold does not implement (images, shipments, the
    # open-order count)
    summary = re.findall(r"^(.*) in [\d.]+s", tests.stdout, re.MULTILINE)
    assert summary, report
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary[-1])}
    assert counts.get("passed", 0) >= 10, report
    assert counts.get("skipped") == 3, report
    for hook in ("hub_fetch_product_images", "hub_push_shipment", "hub_count_open_orders"):
        assert f"no {hook}" in report, report
    assert not counts.keys() & {"failed", "error", "errors", "xfailed"}, report
    # the contract suite ran: one inbound test per implemented feed hook, and the others
    contract = subprocess.run(
        [str(throwaway_venv), "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--collect-only", "-q", "tests/test_acme_shop_contract.py"],
        capture_output=True, text=True, cwd=connector, timeout=300,
    )  # fmt: skip
    ids = contract.stdout
    for hook in ("hub_fetch_products", "hub_fetch_new_orders", "hub_fetch_stock_levels"):
        assert f"test_contract_inbound_records_validate_and_are_stable[{hook}]" in ids, ids
    assert "test_contract_stock_push_returns_a_result_per_item" in ids
