"""Placeholder: filled in below."""

from hub.web.common import protected_blueprint

bp = protected_blueprint("catalog", __name__, url_prefix="/catalog")
