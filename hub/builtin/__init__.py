"""Built-in plugins: the core's default rules, registered like any plugin (overridable)."""
