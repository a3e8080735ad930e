"""Placeholder until the back-office commands land (hub stock/ship/po/recommendations)."""

COMMANDS = []
