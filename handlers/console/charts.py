"""Line charts as inline SVG geometry, computed here and drawn by console/_chart.html.

No script and no library: each series becomes one polyline in a fixed viewBox, with a
few axis labels. Series keep their names so the stylesheet colours them (.s-<name>).
"""
from dataclasses import dataclass, field

from handlers.store.codec import iso

WIDTH, HEIGHT = 720, 160
LEFT, BOTTOM, TOP = 40, 20, 8
X_TICKS = 6


@dataclass
class Chart:
    title: str
    series: list = field(default_factory=list)   # [(name, "x,y x,y ...", total)]
    y_max: int = 0
    x_labels: list = field(default_factory=list)  # [(x, "HH:MM", text-anchor)]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM
    top: int = TOP


def line_chart(title, starts, series):
    """A Chart of `series` ({name: [count per bucket]}) over the bucket `starts` (epoch s)."""
    chart = Chart(title)
    count = len(starts)
    chart.y_max = max([max(values) for values in series.values() if values] + [1])
    plot_width, plot_height = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_width / max(count - 1, 1)
    for name, values in series.items():
        points = " ".join(f"{LEFT + i * step:.0f},{HEIGHT - BOTTOM - value * plot_height / chart.y_max:.0f}"
                          for i, value in enumerate(values))
        chart.series.append((name, points, sum(values)))
    for tick in range(X_TICKS + 1):
        index = min(count - 1, round(tick * (count - 1) / X_TICKS))
        anchor = "start" if tick == 0 else ("end" if tick == X_TICKS else "middle")
        if count:
            chart.x_labels.append((round(LEFT + index * step), iso(starts[index])[11:16], anchor))
    return chart
