"""Plugin discovery and routing.

* Connectors are entry points in group ``connect_hub``; the entry point's name is
  the connector key. Each is imported and validated on its own (a throwaway
  PluginManager runs ``register`` and ``check_pending`` for it), so one broken
  plugin is reported, not fatal. ``HUB_PLUGINS_STRICT=1`` raises instead.
* Built-in plugins (the core's default rules) are registered like external ones.
* A connector hook is called on the integration's connector only.
* A plugin module may name the modules that hold more of its hook implementations in
  ``HOOK_MODULES`` (``HOOK_MODULES = (feeds,)``): they are registered with it, under its key,
  so it need not import each hook function to have pluggy find it.
"""

import importlib
import logging
import threading
from dataclasses import dataclass, field
from importlib import metadata
from importlib.metadata import entry_points

import pluggy
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from hub import hookspecs
from hub.engine.registry import FEED_TYPES
from hub.errors import BadInput
from hub.records import validate_record
from hub.settings import get_settings

log = logging.getLogger("hub.engine.plugins")

ENTRY_POINT_GROUP = "connect_hub"
DEFAULT_PLUGINS = ("hub.builtin.order_rules",)
CONNECTOR_HOOKS = (
    "hub_connector_info",
    "hub_check_connection",
    "hub_setting_choices",
    *sorted({f.hook for f in FEED_TYPES.values()}),
)


# the hooks called on every plugin (hub.hookspecs): a plugin implementing only these is an
# extension (an order rule, a notifier), not a connector, and needs no hub_connector_info
CROSS_CUTTING_HOOKS = frozenset({"hub_order_decision", "hub_record_imported", "hub_run_finished"})


@dataclass
class PluginState:
    key: str
    module: str
    distribution: str | None = None
    version: str | None = None
    state: str = "loaded"  # "loaded" | "broken"
    error: str | None = None
    builtin: bool = False
    hooks: list = field(default_factory=list)
    info: dict | None = None

    @property
    def feeds(self):
        return [f.key for f in FEED_TYPES.values() if f.hook in self.hooks]

    @property
    def kind(self):
        """ "builtin", "connector" or "extension" (only the hooks called on every plugin)."""
        if self.builtin:
            return "builtin"
        return "connector" if self.info is not None or self.state != "loaded" else "extension"

    def as_dict(self):
        return {
            "key": self.key,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "state": self.state,
            "error": self.error,
            "builtin": self.builtin,
            "kind": self.kind,
            "hooks": sorted(self.hooks),
            "feeds": self.feeds,
            "label": (self.info or {}).get("label"),
            "stock_semantics": (self.info or {}).get("stock_semantics"),
        }


def _new_manager():
    pm = pluggy.PluginManager("connect_hub")
    pm.add_hookspecs(hookspecs)
    return pm


def _implemented_hooks(pm, parts):
    return sorted({impl.name for part in parts for impl in (pm.get_hookcallers(part) or [])})


def _parts(plugin):
    """The plugin module and the modules its ``HOOK_MODULES`` names; a hook function found in
    two of them would be called twice, so that is refused."""
    parts = (plugin, *getattr(plugin, "HOOK_MODULES", ()))
    first_seen_in = {}
    for part in parts:
        for name, value in vars(part).items():
            if not name.startswith("hub_") or not callable(value):
                continue
            first = first_seen_in.setdefault(id(value), part)
            if first is not part:
                raise ValueError(
                    f"{name} is in both {first.__name__} and {part.__name__}: "
                    "list its module in HOOK_MODULES or import it, not both"
                )
    return parts


def _part_name(key, part, plugin):
    """The pluggy name of one part of plugin ``key``: ``key``, or ``key/<module>``."""
    return key if part is plugin else f"{key}/{part.__name__}"


def _owner(name):
    """The plugin key a registered name belongs to (``magento/connect_magento.feeds``)."""
    return name.split("/", 1)[0]


class IncompatibleConnector(Exception):
    """The connector's distribution declares a ``connect-hub`` range this hub is not in."""


def check_hub_compatibility(distribution, hub_version=None):
    """Refuse a connector whose ``connect-hub`` requirement (``connect-hub>=0.1,<0.2`` in its
    pyproject dependencies) excludes the running hub. A connector that declares no range is
    accepted: it is its author's promise to keep up."""
    hub_version = hub_version or metadata.version("connect-hub")
    for text in metadata.requires(distribution) or ():
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) != "connect-hub":
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        if not requirement.specifier.contains(hub_version, prereleases=True):
            raise IncompatibleConnector(
                f"{distribution} supports connect-hub {requirement.specifier}, this hub is "
                f"{hub_version}: install a version of the connector made for it"
            )


class PluginRegistry:
    def __init__(self, strict=None, load_entry_points=True):
        self.strict = get_settings().plugins_strict if strict is None else strict
        self.load_entry_points = load_entry_points
        self.pm = _new_manager()
        self.states: dict[str, PluginState] = {}
        self._loaded = False
        self._lock = threading.RLock()
        self._callers = {}

    # -- loading -----------------------------------------------------------------------------

    def load(self):
        with self._lock:
            if self._loaded:
                return self
            self._loaded = True
            for module in DEFAULT_PLUGINS:
                self._register_module(module.rsplit(".", 1)[-1], module, builtin=True)
            if self.load_entry_points:
                for ep in entry_points(group=ENTRY_POINT_GROUP):
                    dist = getattr(ep, "dist", None)
                    self._register_module(
                        ep.name,
                        ep.value,
                        distribution=dist and dist.name,
                        version=dist and dist.version,
                    )
            return self

    def _register_module(self, key, module_path, *, builtin=False, distribution=None, version=None):
        state = PluginState(
            key=key, module=module_path, distribution=distribution, version=version, builtin=builtin
        )
        self.states[key] = state
        try:
            if distribution:
                check_hub_compatibility(distribution)  # before importing code meant for another hub
            plugin = importlib.import_module(module_path)
            state.hooks = self._register_parts(key, plugin)
            if not builtin:
                state.info = self._connector_info(key, state.hooks)
                if state.info is not None and state.info["key"] != key:
                    raise ValueError(
                        f"hub_connector_info says key {state.info['key']!r} but the "
                        f"entry point is named {key!r}"
                    )
        except Exception as exc:  # one broken plugin must not take the hub down
            if self.strict:
                raise
            self._unregister_parts(key)
            state.state, state.error = "broken", f"{type(exc).__name__}: {exc}"
            log.warning("plugin %s (%s) is broken: %s", key, module_path, state.error)
        self._callers.clear()

    def _connector_info(self, key, hooks):
        """A connector's validated ``hub_connector_info``; None for an extension, a plugin
        that implements only the hooks called on every plugin (CROSS_CUTTING_HOOKS)."""
        if "hub_connector_info" not in hooks:
            connector_hooks = sorted(set(hooks) - CROSS_CUTTING_HOOKS)
            if connector_hooks:
                raise ValueError(
                    f"the plugin implements {', '.join(connector_hooks)} but not hub_connector_info"
                )
            return None
        return validate_record("connector_info", self._call_one(key, "hub_connector_info"))

    def _register_parts(self, key, plugin):
        """Validate ``plugin`` and its HOOK_MODULES alone (a throwaway manager: a misspelled
        hook fails for this plugin only), then register them under ``key``; its hooks."""
        parts = _parts(plugin)
        pm = _new_manager()
        for part in parts:
            pm.register(part)
        pm.check_pending()
        for part in parts:
            self.pm.register(part, name=_part_name(key, part, plugin))
        return _implemented_hooks(self.pm, parts)

    def _unregister_parts(self, key):
        for name, _ in list(self.pm.list_name_plugin()):
            if _owner(name) == key:
                self.pm.unregister(name=name)

    def register(self, plugin, key, *, builtin=False):
        """Register an already imported module or object (tests, embedding)."""
        self.load()
        state = PluginState(
            key=key, module=getattr(plugin, "__name__", repr(plugin)), builtin=builtin
        )
        state.hooks = self._register_parts(key, plugin)
        if not builtin:
            state.info = self._connector_info(key, state.hooks)
        self.states[key] = state
        self._callers.clear()
        return state

    def unregister(self, key):
        self._unregister_parts(key)
        self.states.pop(key, None)
        self._callers.clear()

    # -- queries -----------------------------------------------------------------------------

    def all_states(self, include_builtin=False):
        self.load()
        return [s for s in self.states.values() if include_builtin or not s.builtin]

    def connectors(self):
        """Keys of loaded connectors (not the extensions)."""
        return sorted(s.key for s in self.all_states() if s.state == "loaded" and s.info)

    def state(self, key):
        self.load()
        state = self.states.get(key)
        if state is None or state.builtin:
            raise BadInput(
                f"unknown connector {key!r}; installed connectors: "
                f"{', '.join(self.connectors()) or 'none'}"
            )
        if state.state != "loaded":
            raise BadInput(f"connector {key!r} is installed but broken: {state.error}")
        if state.info is None:
            raise BadInput(
                f"{key!r} is an extension (it implements "
                f"{', '.join(sorted(state.hooks)) or 'no hook'}), not a connector"
            )
        return state

    def info(self, key):
        return self.state(key).info

    def implements(self, key, hook):
        return hook in self.state(key).hooks

    def feeds(self, key):
        return self.state(key).feeds

    def secret_settings(self, key):
        return {s["name"] for s in self.info(key)["settings"] if s["secret"]}

    # -- calling -----------------------------------------------------------------------------

    def _call_one(self, key, hook, **kwargs):
        caller = self._callers.get((key, hook))
        if caller is None:
            others = [p for name, p in self.pm.list_name_plugin() if _owner(name) != key]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=others)
            self._callers[(key, hook)] = caller
        return caller(**kwargs)

    def call(self, key, hook, **kwargs):
        """Call ``hook`` on connector ``key`` only; BadInput if it does not implement it."""
        if not self.implements(key, hook):
            raise BadInput(f"connector {key!r} does not implement {hook}")
        return self._call_one(key, hook, **kwargs)

    @property
    def hook(self):
        """Cross-cutting hooks, called on every plugin: ``registry.hook.hub_run_finished(...)``."""
        self.load()
        return self.pm.hook


_registry = None
_registry_lock = threading.Lock()


def get_registry():
    global _registry
    with _registry_lock:
        if _registry is None:
            _registry = PluginRegistry()
        return _registry.load()


def reset_registry(registry=None):
    """Replace the process-wide registry (tests)."""
    global _registry
    with _registry_lock:
        _registry = registry
