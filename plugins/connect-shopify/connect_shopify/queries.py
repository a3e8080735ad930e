"""The GraphQL documents the connector sends (Admin API, names as of 2026-10).

Page sizes keep each query's requested cost under Shopify's 1,000-point single-query limit
(objects cost 1, connections 2 + first x node cost).
"""

PRODUCT_PAGE = 20
VARIANTS_PER_PRODUCT = 10
ORDER_PAGE = 10
LINES_PER_ORDER = 20
FULFILLMENT_ORDER_PAGE = 10  # fulfillment orders per page, each with its first page of lines
FULFILLMENT_ORDER_LINES = 40  # 10 x (5 + 2 x 40) points: the first page stays under 1,000
FULFILLMENT_LINE_PAGE = 250  # the further pages of one fulfillment order's line items

VARIANT_FIELDS = """
  id sku barcode price title updatedAt
  inventoryItem { id measurement { weight { unit value } } }
"""

SHOP = """
query Shop {
  shop { name myshopifyDomain currencyCode plan { displayName } }
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
query ProductVariants($id: ID!, $cursor: String) {
  product(id: $id) {
    variants(first: 100, after: $cursor) {
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

PRODUCT_IMAGES = """
query ProductImages($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Product {
      id
      media(first: 50) { nodes { ... on MediaImage { id alt image { url altText } } } }
    }
    ... on ProductVariant { id product { id } }
  }
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
query OrderLines($id: ID!, $cursor: String) {
  order(id: $id) {
    lineItems(first: 100, after: $cursor) {
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
query Locations($cursor: String) {
  locations(first: 100, after: $cursor, includeInactive: false) {
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

# Shipping confirmation reads the order's fulfillments (to confirm a shipment once) and pages
# its fulfillment orders; a fulfillment order with more lines than the first page pages them
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

FULFILLMENT_STATE = (
    """
query FulfillmentState($id: ID!, $first: Int!, $lines: Int!) {
  order(id: $id) {
    id name cancelledAt displayFulfillmentStatus
    fulfillments(first: 250) { id status trackingInfo(first: 10) { company number url } }
    fulfillmentOrders(first: $first) {
      pageInfo { hasNextPage endCursor }
      nodes { ...FulfillmentOrderFields }
    }
  }
}
"""
    + FULFILLMENT_ORDER_FIELDS
)

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
query FulfillmentLines($id: ID!, $cursor: String) {
  node(id: $id) {
    ... on Fulfillment {
      fulfillmentLineItems(first: 250, after: $cursor) {
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
