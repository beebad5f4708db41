"""Charts as inline SVG, drawn on the server: no JavaScript, nothing vendored, readable when printed.

Each function takes figures already computed by the selectors and returns SVG markup; every piece
of text goes through escape(), so only our own tags are markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from analytics.selectors import FunnelStep, LeagueRow, RegionalFlows

FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"
INK, MUTED, LINE = "#1d2733", "#5f6b7a", "#dfe4ea"
STEP_COLOURS = ("#7a8ca5", "#3f7fd9", "#1f5fbf", "#17806d", "#1e7f45", "#0f5c2f")


def _svg(width: int, height: int, css_class: str, label: str, body: list[str], natural: bool = False) -> SafeString:
    """`natural`: drawn at its own size (shrunk on narrow screens), not stretched to the card's width."""
    size = f'width="{width}" height="{height}"' if natural else 'width="100%"'
    head = (
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" {size} role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" font-family="{FONT}" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(label)}</title>'
    )
    return mark_safe(head + "".join(body) + "</svg>")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 天"


def _mix(share: float, low: tuple[int, int, int] = (234, 242, 253), high: tuple[int, int, int] = (23, 74, 148)) -> str:
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def funnel_chart(steps: Sequence[FunnelStep]) -> SafeString:
    """Centred bars, one per step, widths proportional to outcomes; conversion and time at the right."""
    width, row, top = 980, 66, 34
    left, area = 150, 520
    centre = left + area / 2
    peak = max((s.outcomes for s in steps), default=0) or 1
    height = top + row * len(steps) + 6
    body = [
        f'<text x="{left + area + 40}" y="20" font-size="13" fill="{MUTED}">较上一步转化率</text>',
        f'<text x="{left + area + 170}" y="20" font-size="13" fill="{MUTED}">上一步→本步 中位用时</text>',
    ]
    for i, step in enumerate(steps):
        y = top + i * row
        w = max(area * step.outcomes / peak, 3)
        x = centre - w / 2
        colour = STEP_COLOURS[i % len(STEP_COLOURS)]
        body.append(
            f'<rect class="funnel-bar" data-step="{escape(step.key)}" data-value="{step.outcomes}" x="{x:.1f}" y="{y}" '
            f'width="{w:.1f}" height="{row - 22}" rx="5" fill="{colour}"/>'
        )
        body.append(
            f'<text x="{left - 14}" y="{y + 20}" font-size="15" font-weight="600" fill="{INK}" '
            f'text-anchor="end">{escape(step.label)}</text>'
        )
        sub = "按登记时间筛选" if step.pairings is None else f"{step.pairings:,} 对配对"
        body.append(
            f'<text x="{left - 14}" y="{y + 38}" font-size="12" fill="{MUTED}" text-anchor="end">{escape(sub)}</text>'
        )
        number = f"{step.outcomes:,}"
        if w > 90:
            body.append(
                f'<text x="{centre}" y="{y + 28}" font-size="16" font-weight="700" fill="#fff" '
                f'text-anchor="middle">{number}</text>'
            )
        else:
            body.append(
                f'<text x="{x + w + 8:.1f}" y="{y + 28}" font-size="16" font-weight="700" fill="{INK}">{number}</text>'
            )
        if i:
            rate_colour = "#c0392b" if step.conversion is not None and step.conversion < 0.35 else INK
            body.append(
                f'<text class="conversion" x="{left + area + 40}" y="{y + 28}" font-size="18" font-weight="700" '
                f'fill="{rate_colour}">{_pct(step.conversion)}</text>'
            )
            body.append(
                f'<text x="{left + area + 170}" y="{y + 28}" font-size="16" fill="{INK}">'
                f"{_days(step.median_days)}</text>"
            )
            if step.timed:
                body.append(
                    f'<text x="{left + area + 260}" y="{y + 28}" font-size="12" fill="{MUTED}">'
                    f"（{step.timed:,} 对）</text>"
                )
    return _svg(width, height, "funnel-chart", "转化漏斗：各环节成果数与转化率", body)


def flow_heatmap(flows: RegionalFlows, limit: int = 12) -> SafeString:
    """The origin × destination matrix as a heat map (largest cities first, at most `limit` each way)."""
    origins, destinations = flows.origins[:limit], flows.destinations[:limit]
    cell_w, cell_h, left, top = 88, 46, 110, 70
    width = left + cell_w * (len(destinations) + 1) + 10
    height = top + cell_h * (len(origins) + 1) + 10
    peak = max((v for row in flows.matrix for v in row), default=0) or 1
    body = [
        f'<text x="{left - 10}" y="26" font-size="13" fill="{MUTED}" text-anchor="end">成果方 ↓</text>',
        f'<text x="{left}" y="26" font-size="13" fill="{MUTED}">需求方（转化地）→</text>',
    ]
    for j, city in enumerate([*destinations, "合计"]):
        x = left + j * cell_w + cell_w / 2
        weight = "700" if j == len(destinations) else "600"
        body.append(
            f'<text x="{x}" y="{top - 12}" font-size="14" font-weight="{weight}" fill="{INK}" '
            f'text-anchor="middle">{escape(city)}</text>'
        )
    for i, origin in enumerate([*origins, "合计"]):
        y = top + i * cell_h
        body.append(
            f'<text x="{left - 12}" y="{y + cell_h / 2 + 5}" font-size="14" font-weight="600" fill="{INK}" '
            f'text-anchor="end">{escape(origin)}</text>'
        )
        if i == len(origins):
            values = [*flows.destination_totals[:limit], flows.total]
        else:
            values = [*flows.matrix[i][:limit], flows.origin_totals[i]]
        for j, value in enumerate(values):
            x = left + j * cell_w
            total_cell = i == len(origins) or j == len(destinations)
            if total_cell:
                body.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="4" fill="#f4f6f9" '
                    f'stroke="{LINE}"/>'
                )
                fill = INK
            else:
                share = value / peak
                colour = "#f7f9fc" if value == 0 else _mix(0.12 + 0.88 * share)
                body.append(
                    f'<rect class="cell" data-origin="{escape(origin)}" data-destination="{escape(destinations[j])}" '
                    f'data-value="{value}" x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                    f'rx="4" fill="{colour}" stroke="{LINE if value == 0 else colour}"/>'
                )
                fill = "#fff" if share > 0.5 else (MUTED if value == 0 else INK)
            text = f"{value:,}" if value or total_cell else "·"
            body.append(
                f'<text x="{x + cell_w / 2}" y="{y + cell_h / 2 + 5}" font-size="14" font-weight="600" fill="{fill}" '
                f'text-anchor="middle">{text}</text>'
            )
    return _svg(width, height, "flow-heatmap", "地区流向矩阵：成果方城市 × 需求方城市", body, natural=True)


def top_flows_chart(flows: RegionalFlows, limit: int = 10) -> SafeString:
    """The largest city-to-city flows as horizontal bars; flows that leave their city are coloured."""
    shown = flows.flows[:limit]
    width, row, left, area = 980, 34, 170, 640
    height = 20 + row * max(len(shown), 1) + 28
    peak = max((f.pairings for f in shown), default=0) or 1
    body = []
    for i, flow in enumerate(shown):
        y = 14 + i * row
        w = max(area * flow.pairings / peak, 3)
        cross = flow.origin != flow.destination
        colour = "#1f5fbf" if cross else "#9aa5b1"
        body.append(
            f'<text x="{left - 12}" y="{y + 18}" font-size="14" fill="{INK}" text-anchor="end">'
            f"{escape(flow.origin)} → {escape(flow.destination)}</text>"
        )
        body.append(
            f'<rect class="flow-bar" data-value="{flow.pairings}" x="{left}" y="{y + 3}" width="{w:.1f}" '
            f'height="{row - 12}" rx="4" fill="{colour}"/>'
        )
        label = f"{flow.pairings:,}" + (f"（签约 {flow.signed:,}）" if flow.signed else "")
        body.append(f'<text x="{left + w + 8:.1f}" y="{y + 18}" font-size="13" fill="{INK}">{escape(label)}</text>')
    legend_y = height - 10
    body.append(f'<rect x="{left}" y="{legend_y - 10}" width="12" height="12" rx="2" fill="#1f5fbf"/>')
    body.append(f'<text x="{left + 18}" y="{legend_y}" font-size="12" fill="{MUTED}">跨城市转化</text>')
    body.append(f'<rect x="{left + 110}" y="{legend_y - 10}" width="12" height="12" rx="2" fill="#9aa5b1"/>')
    body.append(f'<text x="{left + 128}" y="{legend_y}" font-size="12" fill="{MUTED}">本地转化</text>')
    return _svg(width, height, "top-flows", "主要流向：配对数最多的城市对", body)


def league_chart(rows: Sequence[LeagueRow], limit: int = 10) -> SafeString:
    """Nested bars per manager: decisions ⊇ approvals ⊇ reached contact ⊇ signed."""
    shown = [r for r in rows if r.decisions][:limit]
    width, row, left, area = 980, 34, 150, 700
    height = 20 + row * max(len(shown), 1) + 30
    peak = max((r.decisions for r in shown), default=0) or 1
    series = (
        ("decisions", "审核", "#d5dde8"),
        ("approvals", "通过", "#7fa7e0"),
        ("contacted", "通过后联系", "#1f5fbf"),
        ("signed", "签约", "#1e7f45"),
    )
    body = []
    for i, r in enumerate(shown):
        y = 14 + i * row
        body.append(
            f'<text x="{left - 12}" y="{y + 18}" font-size="14" fill="{INK}" text-anchor="end">{escape(r.name)}</text>'
        )
        for attr, _label, colour in series:
            value = getattr(r, attr)
            if value:
                body.append(
                    f'<rect class="league-bar {attr}" data-value="{value}" x="{left}" y="{y + 3}" '
                    f'width="{area * value / peak:.1f}" height="{row - 12}" rx="3" fill="{colour}"/>'
                )
        body.append(
            f'<text x="{left + area * r.decisions / peak + 8:.1f}" y="{y + 18}" font-size="13" fill="{INK}">'
            f"{r.decisions:,} / {r.approvals:,} / {r.contacted:,} / {r.signed:,}</text>"
        )
    legend_y = height - 10
    for k, (_attr, label, colour) in enumerate(series):
        x = left + k * 120
        body.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" rx="2" fill="{colour}"/>')
        body.append(f'<text x="{x + 18}" y="{legend_y}" font-size="12" fill="{MUTED}">{label}</text>')
    return _svg(width, height, "league-chart", "经理人审核与转化（审核 / 通过 / 联系 / 签约）", body)
