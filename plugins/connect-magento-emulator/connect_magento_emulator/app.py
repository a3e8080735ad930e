"""The Flask app of the Magento emulator: the Web API (``rest.py`` dispatching the routes
of ``catalog.py`` and ``sales.py``) and the ``/_emulator`` control endpoints (``control.py``),
over one ``Emulator`` (``emulator.py``)."""

from flask import Flask

from connect_magento_emulator import control, rest
from connect_magento_emulator.emulator import Emulator
from hub.testing.emulator import EmulatorKit

# the emulator's own fault names as the kit's standard ones: "throttle" is a 429 with a
# Retry-After only when one is given; "slow" waits 2 s unless told (the kit's default is 10 s)
ALIASES = {
    "throttle": lambda spec: {"retry_after": None, **spec, "fault": "429"},
    "slow": lambda spec: {**spec, "delay": spec.get("delay") or 2.0},
}


def create_app(products=100, orders=20, seed=1, **options):
    """Options: ``msi`` (True), ``deduct_at_order`` (False: MSI with a module that deducts at
    order placement instead of reserving), ``can_subtract`` (True: legacy "Decrease Stock When
    Order is Placed"), ``configurables``, ``virtuals``, ``integration_as_bearer``
    (False, like 2.4.4+), ``admin_token_ttl`` (14400 s), ``max_page_size`` (300: the
    Web API input limit; 0 disables it), ``credentials`` (override the demo set),
    ``denied_resources`` (ACL resources the integration lacks), ``acl_status`` (401, what
    Magento answers for them; 403 emulates a proxy/WAF that turns them into 403)."""
    app = Flask("connect_magento_emulator")
    kit = EmulatorKit(
        api_prefix="/rest/",
        render_error=rest.fault_response,
        aliases=ALIASES,
        malform=rest.fatal_error_after,
    )
    emu = Emulator(products, orders, seed, options, kit)
    app.extensions["magento_emulator"] = emu
    app.config["EMULATOR"] = {"state": emu.state, "auth": emu.auth, "faults": kit.faults}
    kit.init_app(app)  # /_emulator/faults, /_emulator/requests, the fault hooks
    app.register_blueprint(rest.bp)
    control.control_api(emu).init_app(app)
    return app
