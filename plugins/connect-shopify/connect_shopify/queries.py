"""The GraphQL documents the connector sends (Admin API, names as of 2026-10).

Shopify refuses, before running it, any query whose *requested* cost is over 1,000 points
(``MAX_COST_EXCEEDED``, https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits).
The page and batch sizes below keep every query at or under 1,000 under the strict reading of
the cost rules (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): objects 1,
interfaces and unions their most expensive selection, connections ``2 + first x node``,
``nodes(ids:)`` x the number of ids, list fields x ``first``. Shopify publishes the first three;
the last two are a deliberate worst case (see ``connect_shopify_emulator/__init__.py``).
``tests/test_shopify_query_cost.py`` prices every document here at the largest variables the
code sends, with the emulator's calculator. The maximum costs are noted next to each size.

Should Shopify still refuse one, the client halves the page size or splits the ``nodes(ids:)``
batch and asks again (``client.execute_sized`` / ``client.nodes``).
"""

PRODUCT_PAGE = 20
VARIANTS_PER_PRODUCT = 10  # NEW_PRODUCTS: 2 + 20 x (1 + 2 + 10 x 4) = 862
VARIANT_PAGE = 100  # PRODUCT_VARIANTS: 1 + 2 + 100 x 4 = 403
ORDER_PAGE = 10
LINES_PER_ORDER = 20  # ORDERS: 2 + 10 x (1 + 5 + 2 + 20 x 4) = 882
ORDER_LINE_PAGE = 100  # ORDER_LINES: 1 + 2 + 100 x 4 = 403
ORDER_STATUS_PAGE = 100  # ORDER_STATUSES: 2 + 100 x 1 = 102
LOCATION_PAGE = 100  # LOCATIONS: 2 + 100 x 1 = 102
ID_BATCH = 250  # VARIANT_ITEMS 250 x 2 = 500, ITEM_QUANTITIES 250 x 3 = 750 (Shopify: <= 250 ids)
VARIANT_LOOKUP_BATCH = 250  # VARIANT_PRODUCTS: 250 x (1 + 1) = 500
PRODUCT_IMAGE_BATCH = 20  # products per PRODUCT_IMAGES call...
MEDIA_PER_PRODUCT = 20  # ...with their first 20 media: 20 x (1 + 2 + 20 x 2) = 860
MEDIA_PAGE = 250  # PRODUCT_MEDIA, a product's further media: 1 + 2 + 250 x 2 = 503
FULFILLMENT_PAGE = 50  # FULFILLMENT_STATE: the order's first 50 fulfillments...
TRACKING_PER_FULFILLMENT = 5  # ...with 5 tracking numbers each: 1 + 50 x (1 + 5) = 301
TRACKING_PAGE = 250  # FULFILLMENT_TRACKING, all of one fulfillment's numbers: 1 + 250 = 251
FULFILLMENT_ORDER_PAGE = 10  # fulfillment orders per page, each with its first page of lines
FULFILLMENT_ORDER_LINES = 40  # FULFILLMENT_ORDERS_PAGE: 1 + 2 + 10 x (1 + 2 + 2 + 40 x 2) = 853
FULFILLMENT_LINE_PAGE = 250  # FULFILLMENT_ORDER_LINES_PAGE: 1 + 2 + 250 x 2 = 503
FULFILLED_LINE_PAGE = 250  # FULFILLMENT_LINES: 1 + 2 + 250 x 2 = 503
FO_FULFILLMENT_PAGE = 50  # FULFILLMENT_ORDER_FULFILLMENTS: 1 + 2 + 50 x (1 + 5) = 303

VARIANT_FIELDS = """
  id sku barcode price title updatedAt
  inventoryItem { id measurement { weight { unit value } } }
"""

# ShopPlan.displayName is deprecated: publicDisplayName replaces it since 2025-07
# (https://shopify.dev/changelog/adding-publicdisplayname-field-on-shopplan).
SHOP = """
query Shop {
  shop { name myshopifyDomain currencyCode plan { publicDisplayName } }
  currentAppInstallation { accessScopes { handle } }
}
"""

SHOP_CURRENCY = "query ShopCurrency { shop { currencyCode } }"

NEW_PRODUCTS = """
query NewProducts($first: Int!, $cursor: String, $q: String, $variants: Int!) {
  products(first: $first, after: $cursor, query: $q, sortKey: CREATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId title status createdAt updatedAt
      variants(first: $variants) {
        pageInfo { hasNextPage endCursor }
        nodes { %s }
      }
    }
  }
}
""".replace("%s", VARIANT_FIELDS)

PRODUCT_VARIANTS = """
query ProductVariants($id: ID!, $cursor: String, $first: Int!) {
  product(id: $id) {
    variants(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { %s }
    }
  }
}
""".replace("%s", VARIANT_FIELDS)

# The bulk query: products with their variants. Grouped output (children right after their
# parent) is requested explicitly: the default became false in 2026-01.
BULK_PRODUCTS = """
{
  products {
    edges {
      node {
        id legacyResourceId title status updatedAt
        variants {
          edges {
            node { %s }
          }
        }
      }
    }
  }
}
""".replace("%s", VARIANT_FIELDS)

# groupObjects defaults to true here: the product stream relies on each variant following its
# product (Shopify's own default became false in 2026-01, so it is always sent explicitly).
BULK_RUN = """
mutation BulkRun($query: String!, $groupObjects: Boolean = true) {
  bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_POLL = """
query BulkPoll($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount rootObjectCount url partialDataUrl }
  }
}
"""

CURRENT_BULK = """
query CurrentBulk {
  currentBulkOperation(type: QUERY) { id status errorCode url }
}
"""

VARIANTS_COUNT = "query VariantsCount { productVariantsCount(limit: null) { count precision } }"
# ordersCount (Admin GraphQL 2024-07+; ``limit: null`` uncaps it since 2025-07, the default is
# 10000: https://shopify.dev/docs/api/admin-graphql/latest/queries/ordersCount and
# https://shopify.dev/changelog/uncapped-graphql-counts), with the search syntax of orders()
ORDERS_COUNT = (
    "query OrdersCount($q: String) { ordersCount(query: $q, limit: null) { count precision } }"
)

MEDIA_FIELDS = "... on MediaImage { id alt image { url altText } }"

# Products (``nodes(ids:)``) with their first media; a product with more pages PRODUCT_MEDIA.
PRODUCT_IMAGES = """
query ProductImages($ids: [ID!]!, $media: Int!) {
  nodes(ids: $ids) {
    ... on Product {
      id
      media(first: $media) { pageInfo { hasNextPage endCursor } nodes { %s } }
    }
  }
}
""".replace("%s", MEDIA_FIELDS)

PRODUCT_MEDIA = """
query ProductMedia($id: ID!, $first: Int!, $cursor: String) {
  product(id: $id) {
    media(first: $first, after: $cursor) { pageInfo { hasNextPage endCursor } nodes { %s } }
  }
}
""".replace("%s", MEDIA_FIELDS)

# The product of each variant the core names without its parent.
VARIANT_PRODUCTS = """
query VariantProducts($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id product { id } } }
}
"""

ORDER_FIELDS = """
  id legacyResourceId name email createdAt updatedAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus currencyCode
  totalPriceSet { shopMoney { amount currencyCode } }
  shippingLine { code title }
  shippingAddress { ...Address }
  billingAddress { ...Address }
  lineItems(first: $lines) {
    pageInfo { hasNextPage endCursor }
    nodes { ...Line }
  }
"""

ORDER_FRAGMENTS = """
fragment Address on MailingAddress {
  name company address1 address2 city zip province countryCodeV2 phone
}
fragment Line on LineItem {
  id sku name quantity
  variant { id sku }
  originalUnitPriceSet { shopMoney { amount } }
}
"""

ORDERS = """
query Orders($first: Int!, $cursor: String, $q: String, $sort: OrderSortKeys!, $lines: Int!) {
  orders(first: $first, after: $cursor, query: $q, sortKey: $sort) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}
%s
""".replace("%s", ORDER_FIELDS, 1).replace("%s", ORDER_FRAGMENTS, 1)

ORDER = """
query Order($id: ID!, $lines: Int!) {
  order(id: $id) { %s }
}
%s
""".replace("%s", ORDER_FIELDS, 1).replace("%s", ORDER_FRAGMENTS, 1)

ORDER_LINES = """
query OrderLines($id: ID!, $cursor: String, $first: Int!) {
  order(id: $id) {
    lineItems(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { ...Line }
    }
  }
}
fragment Line on LineItem {
  id sku name quantity
  variant { id sku }
  originalUnitPriceSet { shopMoney { amount } }
}
"""

ORDER_STATUSES = """
query OrderStatuses($first: Int!, $cursor: String, $q: String) {
  orders(first: $first, after: $cursor, query: $q, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId name updatedAt cancelledAt
      displayFinancialStatus displayFulfillmentStatus
    }
  }
}
"""

LOCATIONS = """
query Locations($cursor: String, $first: Int!) {
  locations(first: $first, after: $cursor, includeInactive: false) {
    pageInfo { hasNextPage endCursor }
    nodes { id name isActive fulfillsOnlineOrders }
  }
}
"""

LOCATION = "query Location($id: ID!) { location(id: $id) { id name isActive } }"


BULK_STOCK_LEVELS = """
{
  locations(query: "id:%s", includeInactive: true, includeLegacy: true) {
    edges {
      node {
        id
        inventoryLevels {
          edges {
            node {
              id
              quantities(names: ["available", "on_hand"]) { name quantity }
              item { id sku variant { id } }
            }
          }
        }
      }
    }
  }
}
"""


def bulk_stock_levels(location_gid):
    """The bulk query of feeds 6 and 10: one location's inventory levels (Location ->
    InventoryLevel, the shape of cms-apis.md 1.7 and of Airbyte's InventoryLevel stream).

    ``locations`` is filtered on the location's numeric id (``includeInactive`` and
    ``includeLegacy`` so that the filter alone decides). Each inventory level comes out as
    its own JSONL line with ``__parentId`` = the location GID; its item and variant are
    plain objects inside that line. No page size: a bulk query exports the whole connection,
    past the 25,000-object cap of cursor paging.
    """
    numeric = location_gid.rsplit("/", 1)[-1]
    if not numeric.isdigit():
        raise ValueError(f"not a Shopify location GID: {location_gid!r}")
    return BULK_STOCK_LEVELS.replace("%s", numeric)


VARIANT_ITEMS = """
query VariantItems($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id sku inventoryItem { id } } }
}
"""

ITEM_QUANTITIES = """
query ItemQuantities($ids: [ID!]!, $location: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } }
    }
  }
}
"""

# The @idempotent key is a literal: Shopify reads it from the document (a fresh UUID per
# logical write, reused on retries of the same write).
SET_QUANTITIES = """
mutation SetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "%s") {
    inventoryAdjustmentGroup {
      id
      changes(quantityNames: ["available"]) { name delta quantityAfterChange item { id } }
    }
    userErrors { code field message }
  }
}
"""

# Shipping confirmation. FULFILLMENT_STATE reads the order and its fulfillments (to confirm a
# shipment once); ``Order.fulfillments`` is a plain list (no cursor), so when it comes back full
# the fulfillments are paged through each fulfillment order instead
# (FULFILLMENT_ORDER_FULFILLMENTS), and a fulfillment with a full tracking list has all its
# numbers read (FULFILLMENT_TRACKING). The fulfillment orders are paged apart
# (FULFILLMENT_ORDERS_PAGE), a fulfillment order with more lines than the first page pages them
# with FULFILLMENT_ORDER_LINES_PAGE. A fulfillment already carrying the shipment's tracking
# number has its line items read with FULFILLMENT_LINES (only on a retry).
FULFILLMENT_ORDER_FIELDS = """
fragment FulfillmentOrderFields on FulfillmentOrder {
  id status
  assignedLocation { location { id } }
  lineItems(first: $lines) {
    pageInfo { hasNextPage endCursor }
    nodes { ...FulfillmentOrderLine }
  }
}
fragment FulfillmentOrderLine on FulfillmentOrderLineItem {
  id remainingQuantity totalQuantity lineItem { id sku }
}
"""

FULFILLMENT_STATE = """
query FulfillmentState($id: ID!, $fulfillments: Int!, $tracking: Int!) {
  order(id: $id) {
    id name cancelledAt displayFulfillmentStatus
    fulfillments(first: $fulfillments) { id status trackingInfo(first: $tracking) { number } }
  }
}
"""

FULFILLMENT_ORDER_FULFILLMENTS = """
query FulfillmentOrderFulfillments($id: ID!, $first: Int!, $tracking: Int!, $cursor: String) {
  fulfillmentOrder(id: $id) {
    fulfillments(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { id status trackingInfo(first: $tracking) { number } }
    }
  }
}
"""

FULFILLMENT_TRACKING = """
query FulfillmentTracking($id: ID!, $first: Int!) {
  node(id: $id) { ... on Fulfillment { id trackingInfo(first: $first) { number } } }
}
"""

FULFILLMENT_ORDERS_PAGE = (
    """
query FulfillmentOrdersPage($id: ID!, $first: Int!, $lines: Int!, $cursor: String) {
  order(id: $id) {
    fulfillmentOrders(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { ...FulfillmentOrderFields }
    }
  }
}
"""
    + FULFILLMENT_ORDER_FIELDS
)

FULFILLMENT_ORDER_LINES_PAGE = """
query FulfillmentOrderLinesPage($id: ID!, $first: Int!, $cursor: String) {
  fulfillmentOrder(id: $id) {
    lineItems(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes { id remainingQuantity totalQuantity lineItem { id sku } }
    }
  }
}
"""

FULFILLMENT_LINES = """
query FulfillmentLines($id: ID!, $first: Int!, $cursor: String) {
  node(id: $id) {
    ... on Fulfillment {
      fulfillmentLineItems(first: $first, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { quantity lineItem { id } }
      }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo(first: 10) { company number url } }
    userErrors { field message }
  }
}
"""
