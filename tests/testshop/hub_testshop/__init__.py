"""A minimal connector (``testshop``) and the HTTP store it talks to, for the core's tests."""
