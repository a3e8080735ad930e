"""Placeholder: filled in below."""

from hub.web.common import protected_blueprint

bp = protected_blueprint("inventory", __name__, url_prefix="/inventory")
