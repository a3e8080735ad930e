"""Shopify connector for connect-hub: Admin GraphQL API client, mapping, hooks and emulator."""

__version__ = "0.1.0"
