"""Built-in plugins: the core's default rules, registered like any plugin so they can be overridden."""
