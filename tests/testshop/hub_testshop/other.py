"""A second connector implementing the same hook: proves calls are routed per connector."""

from hub import hookimpl


@hookimpl
def hub_connector_info():
    return {
        "key": "othershop",
        "label": "Other shop",
        "stock_semantics": "physical",
        "settings": [],
    }


@hookimpl
def hub_fetch_new_products(ctx, since):
    yield {"external_id": "other-1", "sku": "OTHER-1", "name": "From the other shop", "cursor": "1"}
