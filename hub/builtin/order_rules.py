"""The core's default rules for orders about to be imported (hook ``hub_order_decision``).

Another plugin overrides them by implementing ``hub_order_decision`` with
``@hookimpl(tryfirst=True)`` and returning a decision (or None to defer to these).
"""

from hub import hookimpl


@hookimpl(trylast=True)
def hub_order_decision(integration, order):
    if order.get("cancelled"):
        return {
            "action": "skip",
            "code": "order_cancelled",
            "message": f"Order {order['number']} is cancelled in the store: not imported.",
        }
    if order.get("refunded"):
        return {
            "action": "skip",
            "code": "order_refunded",
            "message": f"Order {order['number']} is refunded in the store: not imported.",
        }
    if order.get("fulfilled"):
        return {
            "action": "skip",
            "code": "order_already_fulfilled",
            "message": f"Order {order['number']} was already shipped from the store: "
            "not imported (nothing to ship, no stock to reserve).",
        }
    if not order.get("paid"):
        return {
            "action": "hold",
            "code": "awaiting_payment",
            "message": f"Order {order['number']} is awaiting payment: held and re-checked.",
            "hint": "Nothing to do: the hub imports it as soon as the store marks it paid.",
        }
    return {"action": "import", "code": "ok"}
