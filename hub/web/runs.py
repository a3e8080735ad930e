"""Placeholder: filled in below."""

from hub.web.common import protected_blueprint

bp = protected_blueprint("runs", __name__, url_prefix="/runs")
