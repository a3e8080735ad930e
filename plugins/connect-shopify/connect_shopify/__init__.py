"""Shopify connector for connect-hub: Admin GraphQL API client, mapping and hooks."""

__version__ = "0.1.0"
