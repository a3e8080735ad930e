"""The GraphQL documents the connector sends (Admin API, names as of 2026-10).

Page sizes keep each query's requested cost under Shopify's 1,000-point single-query limit
(objects cost 1, connections 2 + first x node cost).
"""

PRODUCT_PAGE = 20
VARIANTS_PER_PRODUCT = 10
ORDER_PAGE = 10
LINES_PER_ORDER = 20
STOCK_PAGE = 200

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

BULK_RUN = """
mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
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

STOCK_LEVELS = """
query StockLevels($id: ID!, $first: Int!, $cursor: String) {
  location(id: $id) {
    id
    inventoryLevels(first: $first, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes {
        quantities(names: ["available", "on_hand"]) { name quantity }
        item { id sku variant { id } }
      }
    }
  }
}
"""

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

FULFILLMENT_STATE = """
query FulfillmentState($id: ID!) {
  order(id: $id) {
    id name cancelledAt displayFulfillmentStatus
    fulfillments(first: 50) { id status trackingInfo(first: 10) { company number url } }
    fulfillmentOrders(first: 5) {
      nodes {
        id status
        assignedLocation { location { id } }
        lineItems(first: 50) {
          nodes { id remainingQuantity totalQuantity lineItem { id sku } }
        }
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
