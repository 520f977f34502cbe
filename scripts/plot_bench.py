#!/usr/bin/env python3
"""Draws BENCHMARKS.md's ns/msg tables as one SVG per mode (python3 standard library only).

    scripts/plot_bench.py [BENCHMARKS.md [OUT_DIR]]     # defaults: BENCHMARKS.md benches/plots

Reads every table headed "## <mode>[ select| ping_pong] (ns/..., median (min-max))" written by
scripts/bench.sh and writes OUT_DIR/<mode>.svg for each mode found: blocking, async,
async-current-thread, blocking-select, async-select and async-current-thread-select (a mode's
name is one word, hyphens included). A "<mode> ping_pong" table (ns per round trip) is drawn as
a second section of its mode's plot. Each plot has one group of horizontal bars per (shape,
cap) and one bar per library (median, with a whisker from min to max) on a log-scale axis; n/a
cells have no bar.
"""

import html
import math
import os
import re
import sys

# One colour per library, the same in every plot; gochan first and the darkest.
COLOURS = {
    "gochan": "#1f4e9c",
    "crossbeam-channel": "#f28e2b",
    "flume": "#59a14f",
    "kanal": "#b07aa1",
    "async-channel": "#9c755f",
    "tokio-mpsc": "#e15759",
    "std-mpsc": "#76b7b2",
    "futures-channel": "#edc948",
}
SPARE_COLOURS = ["#ff9da7", "#bab0ac", "#17becf", "#8c564b"]

HEADING = re.compile(r"^##\s+(.+?)\s+\((ns/[^,]+),\s*median")
CELL = re.compile(r"^\s*([0-9.]+)\s*(?:\(\s*([0-9.]+)\s*-\s*([0-9.]+)\s*\))?\s*$")

# Layout, in SVG pixels.
WIDTH = 1000
LEFT = 180  # group labels
RIGHT = 30
PLOT_W = WIDTH - LEFT - RIGHT
BAR_H = 11
BAR_GAP = 2
GROUP_GAP = 12
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


def parse(path):
    """Returns (header lines, [(title, unit, libraries, rows)]); rows are (shape, cap, cells),
    a cell being None (n/a) or (median, min, max)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = {}
    for line in lines:
        m = re.match(r"^- (Date|Commit|Machine|Toolchain):\s*(.*)$", line)
        if m and m.group(1) not in header:
            header[m.group(1)] = m.group(2).replace("`", "")
    tables = []
    i = 0
    while i < len(lines):
        m = HEADING.match(lines[i])
        i += 1
        if not m:
            continue
        title, unit = m.group(1), m.group(2)
        while i < len(lines) and not lines[i].startswith("|"):
            i += 1
        rows_text = []
        while i < len(lines) and lines[i].startswith("|"):
            rows_text.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
            i += 1
        if len(rows_text) < 3 or rows_text[0][:2] != ["shape", "cap"]:
            continue
        libraries = rows_text[0][2:]
        rows = []
        for r in rows_text[2:]:
            cells = []
            for text in r[2 : 2 + len(libraries)]:
                c = CELL.match(text)
                if not c:
                    cells.append(None)  # n/a, or anything that is not a number
                    continue
                med = float(c.group(1))
                lo = float(c.group(2)) if c.group(2) else med
                hi = float(c.group(3)) if c.group(3) else med
                cells.append((med, lo, hi))
            cells += [None] * (len(libraries) - len(cells))
            rows.append((r[0], r[1], cells))
        tables.append((title, unit, libraries, rows))
    return header, tables


def mode_of(title):
    """("blocking", None) for "blocking", ("blocking-select", None) for "blocking select",
    ("blocking", "ping_pong") for "blocking ping_pong": the file and the section."""
    words = title.split()
    if len(words) >= 2 and words[1] == "ping_pong":
        return words[0], "ping_pong"
    return "-".join(words), None


def fmt(v):
    if v >= 10000:
        return "%.0fk" % (v / 1000)
    if v >= 1000:
        return "%.1fk" % (v / 1000)
    if v >= 100:
        return "%.0f" % v
    return "%.1f" % v


def esc(s):
    return html.escape(s, quote=True)


def render(mode, sections, header):
    """sections: [(label, unit, libraries, rows)]; returns the SVG text."""
    libraries = []
    for _, _, libs, _ in sections:
        for lib in libs:
            if lib not in libraries:
                libraries.append(lib)
    colours = {}
    spare = iter(SPARE_COLOURS * 4)
    for lib in libraries:
        colours[lib] = COLOURS.get(lib) or next(spare)

    values = [
        x
        for _, _, _, rows in sections
        for _, _, cells in rows
        for c in cells
        if c
        for x in c
    ]
    lo_dec = math.floor(math.log10(min(values))) if values else 1
    hi_dec = math.ceil(math.log10(max(values))) if values else 4
    if hi_dec <= lo_dec:
        hi_dec = lo_dec + 1
    # Room on the right of the longest bar for its value label.
    span = (hi_dec - lo_dec) / (1 - 46.0 / PLOT_W)

    def x_of(v):
        return LEFT + (math.log10(v) - lo_dec) / span * PLOT_W

    axis_end = x_of(10 ** hi_dec)
    out = []
    y = 0

    def text(x, y, s, size=12, anchor="start", weight="normal", fill="#222", extra=""):
        out.append(
            '<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" font-weight="%s" '
            'fill="%s"%s>%s</text>' % (x, y, size, anchor, weight, fill, extra, esc(s))
        )

    # Title and header line.
    y += 26
    text(WIDTH / 2, y, "gochan benchmarks: %s" % mode.replace("-", " "), 18, "middle", "bold")
    sub = ", ".join(
        "%s %s" % (k.lower(), header[k]) for k in ("Date", "Commit") if k in header
    )
    if sub:
        y += 18
        text(WIDTH / 2, y, sub, 12, "middle", fill="#444")
    y += 16
    text(
        WIDTH / 2,
        y,
        "bar = median, whisker = min to max over the runs; log scale; shorter is faster",
        11,
        "middle",
        fill="#666",
    )

    # Legend, one row, centred.
    y += 22
    item_w = [19 + 7.0 * len(lib) + 22 for lib in libraries]
    lx = (WIDTH - sum(item_w)) / 2
    for lib, w in zip(libraries, item_w):
        out.append(
            '<rect x="%.1f" y="%.1f" width="14" height="12" fill="%s"/>'
            % (lx, y - 10, colours[lib])
        )
        text(lx + 19, y, lib, 12, weight="bold" if lib == "gochan" else "normal")
        lx += w
    y += 14

    for label, unit, libs, rows in sections:
        # Section heading and axis.
        y += 22
        text(LEFT, y, "%s (%s)" % (label, unit), 13, weight="bold")
        y += 22
        top = y
        body_h = len(rows) * (len(libs) * (BAR_H + BAR_GAP) + GROUP_GAP)
        bottom = top + body_h
        # Shade alternate shapes, so that the groups of one shape read as a block.
        shade = False
        prev_shape = None
        gy = top
        for shape, cap, cells in rows:
            h = len(libs) * (BAR_H + BAR_GAP) + GROUP_GAP
            if shape != prev_shape:
                shade = not shade
                prev_shape = shape
            if shade:
                out.append(
                    '<rect x="0" y="%.1f" width="%d" height="%.1f" fill="#f3f5f9"/>'
                    % (gy, WIDTH, h)
                )
            gy += h
        # Grid: a line per decade, lighter ones at 2x and 5x.
        for dec in range(lo_dec, hi_dec + 1):
            for mult in (1, 2, 5):
                v = mult * 10 ** dec
                if v > 10 ** hi_dec:
                    break
                x = x_of(v)
                major = mult == 1
                out.append(
                    '<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
                    'stroke-width="%s"/>'
                    % (x, top - 4, x, bottom, "#b8b8b8" if major else "#e2e2e2",
                       "1" if major else "0.8")
                )
                tick = "%g" % v if v < 1000 else "%dk" % (v // 1000)
                if major or (hi_dec - lo_dec) <= 3:
                    text(x, top - 7, tick, 11 if major else 10, "middle",
                         fill="#444" if major else "#888")
                    text(x, bottom + 14, tick, 11 if major else 10, "middle",
                         fill="#444" if major else "#888")
        # Bars.
        gy = top + GROUP_GAP / 2
        for shape, cap, cells in rows:
            group_h = len(libs) * (BAR_H + BAR_GAP)
            text(LEFT - 10, gy + group_h / 2 + 4, "%s, cap %s" % (shape, cap), 12, "end")
            for k, (lib, cell) in enumerate(zip(libs, cells)):
                by = gy + k * (BAR_H + BAR_GAP)
                if cell is None:
                    text(LEFT + 4, by + BAR_H - 2, "%s: n/a" % lib, 9, fill="#999",
                         extra=' font-style="italic"')
                    continue
                med, lo, hi = cell
                x0 = LEFT
                x1 = x_of(med)
                out.append(
                    '<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s">'
                    "<title>%s, %s, cap %s: %s %s (min %s, max %s)</title></rect>"
                    % (x0, by, max(x1 - x0, 1), BAR_H, colours[lib],
                       esc(lib), esc(shape), esc(cap), med, esc(unit), lo, hi)
                )
                wl, wh = x_of(lo), x_of(hi)
                if wh - wl > 1:
                    mid = by + BAR_H / 2
                    out.append(
                        '<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" '
                        'stroke="#222" stroke-width="1" fill="none"/>'
                        % (wl, mid, wh, wl, mid - 3, mid + 3, wh, mid - 3, mid + 3)
                    )
                text(max(x1, wh) + 4, by + BAR_H - 2, fmt(med), 10, fill="#333")
            gy += group_h + GROUP_GAP
        out.append(
            '<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#666"/>'
            % (LEFT, top - 4, LEFT, bottom)
        )
        y = bottom + 32
        text((LEFT + axis_end) / 2, y - 4, unit + " (log scale)", 11, "middle", fill="#444")

    height = y + 12
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="%s">\n<rect width="100%%" height="100%%" fill="white"/>\n%s\n</svg>\n'
        % (WIDTH, height, WIDTH, height, FONT, "\n".join(out))
    )


def main(argv):
    src = argv[1] if len(argv) > 1 else "BENCHMARKS.md"
    out_dir = argv[2] if len(argv) > 2 else os.path.join("benches", "plots")
    header, tables = parse(src)
    modes = {}  # mode -> [(label, unit, libraries, rows)], in the file's order
    for title, unit, libs, rows in tables:
        mode, section = mode_of(title)
        label = "%s %s" % (mode, section) if section else title
        modes.setdefault(mode, []).append((label, unit, libs, rows))
    if not modes:
        sys.exit("plot_bench.py: no ns/msg table in %s" % src)
    os.makedirs(out_dir, exist_ok=True)
    for mode, sections in modes.items():
        # The ns/msg table first, ping_pong (ns/round trip) after it.
        sections.sort(key=lambda s: s[0].endswith("ping_pong"))
        path = os.path.join(out_dir, "%s.svg" % mode)
        with open(path, "w", encoding="utf-8") as f:
            f.write(render(mode, sections, header))
        print("wrote %s" % path, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
