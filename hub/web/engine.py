"""Late-bound access to the feed engine (hub.feeds.*, hub.tasks) and the back-office services.

They are written alongside the dashboard; a page hides a button whose function is absent
rather than failing to import.
"""

import importlib


def engine_function(module, name):
    """``module.name`` or None when that module or function does not exist (yet)."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def has(module, name):
    return engine_function(module, name) is not None


def call(module, name, *args, **kwargs):
    fn = engine_function(module, name)
    if fn is None:
        from hub.errors import BadInput

        raise BadInput(f"{module}.{name} is not available in this version of the hub")
    return fn(*args, **kwargs)
