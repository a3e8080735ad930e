"""``hub connector new NAME``: a working connector package and its store emulator, rendered
with Jinja2 from the templates in ``hub/scaffold/templates`` (shipped as package data, so a
wheel install has them; no network needed).

The templates' folder mirrors what is written: ``DIST/`` becomes ``connect-<name>/``,
``DIST-emulator/`` its emulator's distribution, ``PACKAGE`` and ``EMULATOR`` the two Python
packages, ``KEY`` the connector key; every file ends in ``.j2`` there (so neither ruff nor
pytest takes a template for the repository's own code) and loses it when rendered.
"""

import hashlib
import keyword
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hub.errors import BadInput

TEMPLATES = Path(__file__).with_name("templates")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")
NAME_MAX = 30
PATH_TOKEN = re.compile(r"(?<![A-Za-z])(DIST|PACKAGE|EMULATOR|KEY)(?![A-Za-z])")
DEMO_PORTS = (8200, 8300)  # the bundled stores take 8101…; a scaffold picks one from its name

__all__ = ["ConnectorNames", "ScaffoldError", "connector_names", "planned_files", "render"]


class ScaffoldError(BadInput):
    """A name or a target folder the scaffold refuses (CLI exit code 2)."""


@dataclass(frozen=True)
class ConnectorNames:
    """Every name the templates use, derived from the one the author chose."""

    key: str  # acme_shop: the connector key, the entry points' name
    dist: str  # connect-acme-shop
    package: str  # connect_acme_shop
    emulator_dist: str  # connect-acme-shop-emulator
    emulator: str  # connect_acme_shop_emulator
    label: str  # "Acme Shop": what the dashboard shows
    camel: str  # AcmeShop: class names
    sku_prefix: str  # ACMESHOP: the emulator's seeded SKUs
    demo_port: int

    def path_tokens(self) -> dict[str, str]:
        return {
            "DIST": self.dist,
            "PACKAGE": self.package,
            "EMULATOR": self.emulator,
            "KEY": self.key,
        }


def connector_names(name: str, label: str | None = None) -> ConnectorNames:
    """Check ``name`` (a lower-case slug: letters, digits, ``-`` or ``_`` between them) and
    derive the package names; raise :class:`ScaffoldError` with the reason otherwise."""
    raw = (name or "").strip()
    for prefix in ("connect-", "connect_"):
        if raw.startswith(prefix):
            raise ScaffoldError(
                f"Give the store's name without {prefix!r}: `hub connector new "
                f"{raw[len(prefix) :]}` creates {raw.replace('_', '-')}."
            )
    if not NAME_PATTERN.fullmatch(raw):
        raise ScaffoldError(
            f"{name!r} is not a connector name: use lower-case letters and digits, starting "
            "with a letter, with single '-' or '_' between words (e.g. acme, acme_shop)."
        )
    if len(raw) > NAME_MAX:
        raise ScaffoldError(f"{name!r} is too long: at most {NAME_MAX} characters.")
    key = raw.replace("-", "_")
    if keyword.iskeyword(key):  # the key is also a Python name in the emulator's tests
        raise ScaffoldError(f"{name!r} is a Python keyword: choose another name.")
    words = key.split("_")
    label = (label or "").strip() or " ".join(w.capitalize() for w in words)
    if len(label) > 40 or any(c in label for c in '"\\\n\r{}'):
        raise ScaffoldError(
            "The label must be one line of at most 40 characters without quotes, "
            "backslashes or braces."
        )
    digest = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    return ConnectorNames(
        key=key,
        dist=f"connect-{key.replace('_', '-')}",
        package=f"connect_{key}",
        emulator_dist=f"connect-{key.replace('_', '-')}-emulator",
        emulator=f"connect_{key}_emulator",
        label=label,
        camel="".join(w.capitalize() for w in words),
        sku_prefix=key.replace("_", "").upper()[:8],
        demo_port=DEMO_PORTS[0] + digest % (DEMO_PORTS[1] - DEMO_PORTS[0]),
    )


def _target(relative: Path, names: ConnectorNames) -> Path:
    tokens = names.path_tokens()
    return Path(
        *(
            PATH_TOKEN.sub(lambda m: tokens[m.group(1)], part.removesuffix(".j2"))
            for part in relative.parts
        )
    )


def planned_files(names: ConnectorNames) -> list[tuple[str, Path]]:
    """(template name, path relative to the target folder) of every file, sorted."""
    return sorted(
        (path.relative_to(TEMPLATES).as_posix(), _target(path.relative_to(TEMPLATES), names))
        for path in TEMPLATES.rglob("*.j2")
    )


def render(names: ConnectorNames, dest: Path, *, force: bool = False) -> list[Path]:
    """Write the connector and its emulator under ``dest`` (two folders); return the files.

    An existing target folder is refused unless ``force`` (then the scaffold's files are
    written over, and other files in it are left alone)."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise ScaffoldError(f"{dest} is not a folder.")
    for folder in (names.dist, names.emulator_dist):
        if (dest / folder).exists() and not force:
            raise ScaffoldError(
                f"{dest / folder} already exists: choose another name or folder "
                "(--path), or pass --force to write the scaffold's files over it."
            )
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # Python, TOML and Markdown, not HTML: nothing to escape
        autoescape=select_autoescape(enabled_extensions=(), default_for_string=False),
        undefined=StrictUndefined,  # a misspelled variable fails here, not in the output
        keep_trailing_newline=True,
    )
    context = asdict(names)
    written = []
    for template, relative in planned_files(names):
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(environment.get_template(template).render(context), encoding="utf-8")
        written.append(target)
    return written
