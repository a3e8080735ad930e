"""Server-rendered SVG charts (pygal), served as images with their own narrow CSP."""

import re
import sys

import pygal
from flask import Response
from pygal.style import Style

# pygal installs a legacy import hook (for its optional map plugins, unused here) that lacks
# find_spec: every failed import anywhere then raises an ImportWarning. Take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#334155",
    foreground_strong="#0f172a",
    foreground_subtle="#94a3b8",
    opacity=".9",
    colors=("#16a34a", "#f59e0b", "#dc2626", "#64748b", "#2563eb", "#7c3aed"),
    font_family="system-ui, sans-serif",
)


def _chart(kind, title, height, **options):
    """A pygal chart of ``kind`` in the dashboard's style: 900 px wide, x labels slanted, and no
    script from the internet (the dashboard's CSP forbids it anyway)."""
    chart = kind(style=STYLE, title=title, height=height, width=900, x_label_rotation=30, **options)
    chart.js = []
    chart.disable_xml_declaration = False
    return chart


def bar_chart(title, labels, series, stacked=True, height=300):
    kind = pygal.StackedBar if stacked else pygal.Bar
    chart = _chart(
        kind, title, height, legend_at_bottom=True, show_minor_x_labels=True, print_values=False
    )
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    return chart


def steps(points):
    """[(time, value)] as a step line: a stock level holds until the next movement changes it,
    so each change is drawn as a vertical jump, not a slope between two movements."""
    stepped = []
    for when, value in points:
        if stepped:
            stepped.append((when, stepped[-1][1]))
        stepped.append((when, value))
    return stepped


def whole_ticks(values, most=8):
    """Whole-number y ticks from 0 (or the lowest value below it) to the highest value, at most
    ``most`` of them, at a step of 1, 2 or 5 × a power of ten: units are never fractional."""
    low, high = min([0, *values]), max([1, *values])
    span, step = high - low, 1
    while span / step > most - 1:
        lead, zeros = int(str(step)[0]), len(str(step)) - 1
        step = {1: 2, 2: 5, 5: 10}[lead] * 10**zeros
    start = low // step * step
    return list(range(start, high + step, step))


def readable_time(span):
    """A formatter for the x labels: "3 Mar" over days, "3 Mar 14:05" within two days."""
    if span is not None and span.total_seconds() <= 2 * 86400:
        return lambda d: f"{d.day} {d:%b %H:%M}"
    return lambda d: f"{d.day} {d:%b %Y}"


def line_chart(title, points, height=280):
    """``points``: [(datetime, value)] drawn as steps over time, whole-number y ticks."""
    span = points[-1][0] - points[0][0] if len(points) > 1 else None
    values = [value for _, value in points]
    chart = _chart(
        pygal.DateTimeLine,
        title,
        height,
        show_legend=False,
        dots_size=2,
        x_value_formatter=readable_time(span),
        value_formatter=lambda v: f"{v:,.0f}",
        y_labels=whole_ticks(values) if values else [0, 1],
    )
    chart.add("on hand", steps(points))
    return chart


SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)


def svg_response(chart):
    # pygal inlines a small config script for its (external) tooltips JS: not wanted here
    response = Response(SCRIPT.sub(b"", chart.render()), mimetype="image/svg+xml")
    # pygal puts its styles inline in the SVG; an image cannot run script anyway
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    return response
