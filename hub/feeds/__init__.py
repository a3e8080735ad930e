"""The feed handlers: one module per feed family (products, orders, inventory, suppliers,
shipping; targets computes what a store's stock must be). Each handler is a function of a
``hub.engine.job.FeedJob``; importing this package registers them with the engine, which
never imports them (hub.tasks, the CLI, the pytest plugin and the demo import it)."""

from hub.engine.registry import register_handlers, register_webhook_handlers
from hub.feeds import inventory, orders, products, shipping, suppliers, webhooks

HANDLERS = {
    "import_new_products": products.import_new_products,
    "update_products": products.update_products,
    "import_product_images": products.import_product_images,
    "import_new_orders": orders.import_new_orders,
    "update_orders": orders.update_orders,
    "retry_orders": orders.retry_orders,
    "import_stock": inventory.import_stock,
    "stock_check": inventory.stock_check,
    "export_stock": inventory.export_stock,
    "import_suppliers": suppliers.import_suppliers,
    "import_product_suppliers": suppliers.import_product_suppliers,
    "shipping_confirmation": shipping.shipping_confirmation,
}
register_handlers(HANDLERS)
register_webhook_handlers(webhooks.HANDLERS)  # runs a store's webhook queued (trigger webhook)
