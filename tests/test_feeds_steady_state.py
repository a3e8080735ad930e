"""The scheduled feeds do not read the whole catalogue again when nothing changed (issue 16):
only update_products and stock_check do."""

import pytest
from conftest import BACKENDS
from support import run, scheduled

from hub.models import Product, ProductImage

pytestmark = pytest.mark.parametrize("hub_db", BACKENDS, indirect=True)


def asked_skus(integration):
    from hub.engine.connector import build_context

    cache = build_context(integration).cache
    skus = [a["sku"] for a in cache.get("images_asked", [])]
    cache["images_asked"] = []
    return skus


def test_scheduled_images_ask_only_about_new_or_changed_products(integration, store):
    store.add_product(1, "IMG-1", "One", images=[7])
    store.add_product(2, "NOIMG-2", "Two")  # the store has no image for it
    store.add_product(3, "NOIMG-3", "Three")
    run(integration, "import_new_products")
    first = scheduled(integration, "import_product_images")
    assert first.status == "succeeded" and ProductImage.select().count() == 1
    assert sorted(asked_skus(integration)) == ["IMG-1", "NOIMG-2", "NOIMG-3"]

    quiet = scheduled(integration, "import_product_images")  # nothing changed in the store
    assert quiet.status == "succeeded" and asked_skus(integration) == []

    store.add_product(4, "IMG-4", "Four", images=[8])  # a new product
    store.products["2"]["name"] = "Two, renamed"  # a changed one
    run(integration, "update_products")
    assert Product.get(Product.sku == "NOIMG-2").name == "Two, renamed"
    later = scheduled(integration, "import_product_images")
    assert later.created == 1 and ProductImage.select().count() == 2
    assert sorted(asked_skus(integration)) == ["IMG-4", "NOIMG-2"]

    # Run now (any run not from the scheduler) still asks about every product without one
    run(integration, "import_product_images")
    assert sorted(asked_skus(integration)) == ["NOIMG-2", "NOIMG-3"]
