"""Small SVG charts for the report's measurements (no plotting library: one offline file)."""

from __future__ import annotations

from html import escape


def bar_chart_svg(
    bars: list[tuple[str, float]],
    unit: str,
    target: float | None = None,
    width: int = 640,
    bar_height: int = 22,
    targets: list[float | None] | None = None,
) -> str:
    """Horizontal bars with their value written beside; a dashed line marks the target. With
    `targets` (one per bar: each fault has its own objective) each bar has its own dashed
    mark, unless they are all the same; a bar over its target is red."""
    if not bars:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"
    targets = list(targets) if targets is not None else [target] * len(bars)
    common = targets[0] if len(set(targets)) == 1 else None
    label_w, right = 180, 70
    scale_max = max([v for _, v in bars] + [t for t in targets if t]) * 1.1 or 1.0
    plot_w = width - label_w - right
    height = len(bars) * (bar_height + 8) + 30

    def x(value: float) -> float:
        return label_w + value / scale_max * plot_w

    parts = []
    for i, ((label, value), mark) in enumerate(zip(bars, targets, strict=True)):
        y = 10 + i * (bar_height + 8)
        over = mark is not None and value > mark
        parts.append(
            f"<text x='{label_w - 6}' y='{y + bar_height * 0.7:.1f}' font-size='12' text-anchor='end'>{escape(label)}</text>"
            f"<rect x='{label_w}' y='{y}' width='{max(x(value) - label_w, 1):.1f}' height='{bar_height}'"
            f" fill='{'#cf222e' if over else '#2f81f7'}'/>"
            f"<text x='{x(value) + 4:.1f}' y='{y + bar_height * 0.7:.1f}' font-size='12'>{value:.2f} {escape(unit)}</text>"
        )
        if mark is not None and common is None:
            parts.append(
                f"<line x1='{x(mark):.1f}' y1='{y - 3}' x2='{x(mark):.1f}' y2='{y + bar_height + 3}'"
                f" stroke='#555' stroke-width='2' stroke-dasharray='3 2'><title>目標 {mark:g} {escape(unit)}"
                "</title></line>"
            )
    if common is not None:
        parts.append(
            f"<line x1='{x(common):.1f}' y1='4' x2='{x(common):.1f}' y2='{height - 18}' stroke='#555'"
            f" stroke-dasharray='4 3'/><text x='{x(common):.1f}' y='{height - 4}' font-size='11'"
            f" text-anchor='middle'>目標 {common:g} {escape(unit)}</text>"
        )
    elif any(t is not None for t in targets):
        parts.append(f"<text x='{label_w}' y='{height - 4}' font-size='11'>破線: それぞれの目標</text>")
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'"
        f" aria-label='{escape(unit)}'>{''.join(parts)}</svg>"
    )
