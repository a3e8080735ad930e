"""connect-hub: the integration hub between online stores and a merchant's back office.

Connector authors need only::

    from hub import hookimpl, Skip, Hold, Invalid
    from hub.errors import TransientError, AuthenticationError
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

from hub.outcomes import Hold, Invalid, Skip

hookimpl = pluggy.HookimplMarker("connect_hub")
hookspec = pluggy.HookspecMarker("connect_hub")

try:
    __version__ = version("connect-hub")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["Hold", "Invalid", "Skip", "__version__", "hookimpl", "hookspec"]
