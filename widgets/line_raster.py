"""Lines as terminal cells of braille dots or half blocks, a whole line at a time with numpy.

textual-plot draws a line by walking each segment dot by dot in Python and
building every cell's glyph from a fresh array: about 80 ms for a few hundred
points at 160 columns, and a week of five-minute periods that swings every
period is thousands of dots tall. Here a line becomes, for each column of
dots, the span its segments cross there (the same dots the segments would
light), filled as one boolean grid; the grid is then folded into one glyph
per cell. The cost follows the size of the plot, not the number of points.

The glyph tables are textual-hires-canvas's own (`pixels`), so a cell looks
exactly as the library would draw it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from textual_hires_canvas import HiResMode
from textual_hires_canvas.hires import hires_sizes, pixels

Floats = NDArray[np.float64]
#: A cell to draw: column, row, glyph.
Cell = tuple[int, int, str]


@functools.cache
def glyphs(mode: HiResMode) -> NDArray[np.str_]:
    """The glyph for each dot mask of a cell; bit `row * width + column` is that dot."""
    size = hires_sizes[mode]
    table = np.full(1 << (size.width * size.height), " ", dtype="<U1")
    for dots, glyph in pixels[mode].items():
        table[sum(bit << index for index, bit in enumerate(dots))] = glyph or " "
    return table


def runs(xs: Floats, ys: Floats, gap: float) -> list[tuple[Floats, Floats]]:
    """`xs`, `ys` split where two neighbours are more than `gap` apart (0: never split).

    A metric with no datapoint for a period has nothing to join across: the
    line stops, as CloudWatch's console draws it.
    """
    if gap <= 0 or len(xs) < 2:
        return [(xs, ys)]
    cuts = np.flatnonzero(np.diff(xs) > gap * 1.5) + 1
    return list(zip(np.split(xs, cuts), np.split(ys, cuts), strict=True))


def line_cells(
    lines: Sequence[tuple[Floats, Floats]],
    clip: tuple[int, int, int, int],
    mode: HiResMode,
    *,
    dashed: bool = False,
) -> list[Cell]:
    """The cells that draw `lines`, each a run of points in cell coordinates (x right, y down).

    Points are joined in order within a run; a run of one point is a dot.
    Only cells in `clip` (left, top, right, bottom; right and bottom
    exclusive) are drawn. `dashed` leaves every other cell blank: a
    threshold reads apart from the data it is drawn over.
    """
    size = hires_sizes[mode]
    dot_w, dot_h = size.width, size.height
    left, top, right, bottom = clip
    if right <= left or bottom <= top:
        return []
    columns, rows = (right - left) * dot_w, (bottom - top) * dot_h
    grid = np.zeros((rows, columns), dtype=bool)
    row_index = np.arange(rows)[:, None]
    for xs, ys in lines:
        if not len(xs):
            continue
        px = xs * dot_w - left * dot_w
        py = ys * dot_h - top * dot_h
        first, last = int(np.floor(px[0])), int(np.floor(px[-1]))
        span = np.arange(max(first, 0), min(last, columns - 1) + 1)
        if not len(span):
            continue
        low, high = _spans(px, py, span)
        lit = (row_index >= np.floor(low)[None, :]) & (row_index <= np.floor(high)[None, :])
        grid[:, span] |= lit
    if dashed:
        grid[:, (np.arange(columns) // dot_w) % 2 == 1] = False
    return _cells(grid, left, top, mode)


def _spans(px: Floats, py: Floats, span: NDArray[np.int64]) -> tuple[Floats, Floats]:
    """Lowest and highest dot row the run crosses in each dot column of `span`.

    A column's span runs between where the line enters it and where it
    leaves it, and takes in every point inside it.
    """
    if len(px) == 1:
        return np.full(len(span), py[0]), np.full(len(span), py[0])
    enter = np.interp(np.maximum(span, px[0]), px, py)
    leave = np.interp(np.minimum(span + 1, px[-1]), px, py)
    low, high = np.minimum(enter, leave), np.maximum(enter, leave)
    inside = np.floor(px).astype(np.int64) - span[0]
    keep = (inside >= 0) & (inside < len(span))
    np.minimum.at(low, inside[keep], py[keep])
    np.maximum.at(high, inside[keep], py[keep])
    return low, high


def _cells(grid: NDArray[np.bool_], left: int, top: int, mode: HiResMode) -> list[Cell]:
    """Fold the dot grid into one glyph per cell; empty cells are left out."""
    size = hires_sizes[mode]
    dot_w, dot_h = size.width, size.height
    rows, columns = grid.shape
    blocks = grid.reshape(rows // dot_h, dot_h, columns // dot_w, dot_w)
    masks = np.zeros((rows // dot_h, columns // dot_w), dtype=np.int64)
    for row in range(dot_h):
        for column in range(dot_w):
            masks |= blocks[:, row, :, column].astype(np.int64) << (row * dot_w + column)
    ys, xs = np.nonzero(masks)
    found = glyphs(mode)[masks[ys, xs]].tolist()
    return list(zip((xs + left).tolist(), (ys + top).tolist(), found, strict=True))


#: What a band's cells hold: nothing but their background, so that a line drawn
#: through the band keeps it behind (the graph draws the line's cells on the same).
BAND_GLYPH = " "


def band_cells(
    xs: Floats, lower: Floats, upper: Floats, clip: tuple[int, int, int, int]
) -> list[Cell]:
    """The cells between `lower` and `upper` (cell coordinates, y down), column by column.

    Between two points the bounds move linearly, as the lines between them do;
    a column takes every cell the band touches at its middle, at least one: a
    steady metric's band is thinner than a cell, and must still show.
    """
    left, top, right, bottom = clip
    if len(xs) < 2:
        return []
    columns = np.arange(max(left, math.ceil(xs[0] - 0.5)), min(right, math.floor(xs[-1] + 0.5)))
    if not len(columns):
        return []
    middles = columns + 0.5
    low = np.interp(middles, xs, lower)
    high = np.interp(middles, xs, upper)
    first = np.clip(np.floor(np.minimum(low, high)), top, bottom - 1).astype(np.int64)
    last = np.clip(np.ceil(np.maximum(low, high)) - 1, first, bottom - 1).astype(np.int64)
    return [
        (int(x), y, BAND_GLYPH)
        for x, a, b in zip(columns, first, last, strict=True)
        for y in range(int(a), int(b) + 1)
    ]
