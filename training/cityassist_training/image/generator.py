"""Procedural street scenes for the image triage model.

There is no labelled street-photo set offline (see ../../../IMAGE.md), so the model learns from
scenes drawn here. Each scene is a street seen from a pedestrian's phone: sky and buildings above a
horizon, a road in perspective with kerbs and pavements, and at most one *object* of the scene's
class (pothole, garbage, fallen_tree) or none (`other`). Hard negatives ("distractors": manhole
covers, puddles, parked cars, cast shadows, standing trees, litter bins, scattered leaves) appear in
every class, more often in `other`, so that the model has to recognise the object itself and not
"something unusual on the road".

The generator knows where it drew the object: every scene comes with the object's pixel mask and
bounding box (after the camera transform), which is what the CAM localisation metrics score against.

Determinism: scene `i` of a split is a pure function of (seed, split, i, style, size); the label is
`CLASSES[i % 4]`, so any prefix of a split is class-balanced to within one image.

The scene is drawn on a canvas 1.375x the output size and then cut out by a random affine "camera"
(tilt, zoom, shift), so the corners of the output never fall off the canvas.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASSES: tuple[str, ...] = ("pothole", "garbage", "fallen_tree", "other")
# Every class the generator can draw. CLASSES stays the 1.0.0 set (its scene i -> class mapping is
# part of that version's lineage); image 1.1.0 adds `flooding` (issue 17 part 4: citizens file
# flooding reports) by listing it in the config's classes.
DRAWABLE: tuple[str, ...] = ("pothole", "garbage", "fallen_tree", "flooding", "other")
DISTRACTORS: tuple[str, ...] = ("manhole", "puddle", "car", "shadow", "standing_tree", "bin", "leaves")

# Split codes mixed into the seed so that train, validation, test and every robustness set are
# independent random streams drawn from one configured seed.
SPLITS = {"train": 0, "val": 1, "test": 2, "shift": 3, "backtest": 4, "vectors": 5, "smoke": 6}

CANVAS_RATIO = 1.375


@dataclass(frozen=True)
class Style:
    """The scene distribution. The default is the training distribution; others are shifts."""

    lighting: str = "day"  # "day" | "night"
    surface: str = "asphalt"  # "asphalt" | "concrete" | "red_asphalt"

    def __post_init__(self) -> None:
        if self.lighting not in ("day", "night"):
            raise ValueError(f"unknown lighting {self.lighting!r}")
        if self.surface not in ("asphalt", "concrete", "red_asphalt"):
            raise ValueError(f"unknown surface {self.surface!r}")


@dataclass
class Scene:
    image: np.ndarray  # uint8 [H, W, 3], RGB
    label: str
    mask: np.ndarray  # bool [H, W]: the object's pixels (all False for `other`)
    box: tuple[int, int, int, int] | None  # (x0, y0, x1, y1), half-open pixel bounds; None for `other`
    distractors: list[dict] = field(default_factory=list)  # [{"kind", "box"}] of visible distractors
    params: dict = field(default_factory=dict)  # how the scene was rendered, for failure analysis


Colour = np.ndarray | Callable[[int, int], np.ndarray]


class _Canvas:
    """An RGB float canvas plus an id map saying which drawn thing owns each pixel."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.n = n
        self.rng = rng
        self.rgb = np.zeros((n, n, 3), np.float32)
        self.ids = np.zeros((n, n), np.uint8)  # 0 background, 1 the object, 2.. distractors
        self.kinds: dict[int, str] = {}

    def layer(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        im = Image.new("L", (self.n, self.n), 0)
        return im, ImageDraw.Draw(im)

    def paint(
        self,
        alpha_img: Image.Image,
        colour: Colour,
        owner: int | None = None,
        soften: float = 0.0,
        opacity: float = 1.0,
    ) -> None:
        """Blends `colour` where the layer is drawn; only the layer's bounding box is touched."""
        if soften > 0:
            alpha_img = alpha_img.filter(ImageFilter.GaussianBlur(soften))
        bbox = alpha_img.getbbox()
        if bbox is None:
            return
        x0, y0, x1, y1 = bbox
        a = np.asarray(alpha_img.crop(bbox), np.float32)[..., None] * (opacity / 255.0)
        c = colour(y1 - y0, x1 - x0) if callable(colour) else np.asarray(colour, np.float32)
        region = self.rgb[y0:y1, x0:x1]
        region *= 1 - a
        region += a * c
        if owner is not None:
            self.ids[y0:y1, x0:x1][a[..., 0] > 0.5 * opacity] = owner

    def new_owner(self, kind: str) -> int:
        owner = 2 + len(self.kinds)
        self.kinds[owner] = kind
        return owner


# ---------------------------------------------------------------------------------------------
# Small drawing helpers
# ---------------------------------------------------------------------------------------------


def _low_freq(rng: np.random.Generator, h: int, w: int, cells: int, amp: float) -> np.ndarray:
    """Smooth noise (a random grid upsampled bilinearly): stains, wear and uneven light."""
    g = rng.standard_normal((cells, cells), dtype=np.float32)
    img = Image.fromarray(g, mode="F").resize((max(w, 1), max(h, 1)), Image.BILINEAR)
    return np.asarray(img, np.float32) * amp


def _textured(
    rng: np.random.Generator, base, fine: float, coarse: float = 0.0, cells: int = 6
) -> Callable[[int, int], np.ndarray]:
    """A colour function: `base` plus grain (`fine`) and blotches (`coarse`), shared by channels."""
    base = np.asarray(base, np.float32)

    def make(h: int, w: int) -> np.ndarray:
        t = rng.standard_normal((h, w), dtype=np.float32) * fine
        if coarse:
            t += _low_freq(rng, h, w, cells, coarse)
        return base + t[..., None]

    return make


def _blob(
    rng: np.random.Generator,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    n: int = 16,
    jitter: float = 0.25,
    angle: float = 0.0,
) -> list[tuple[float, float]]:
    """An irregular closed outline around an ellipse; radial noise is smoothed so edges look torn,
    not spiky."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(0, 2 * np.pi / n)
    r = rng.uniform(1 - jitter, 1 + jitter, n)
    r = (r + np.roll(r, 1) + np.roll(r, -1)) / 3
    ca, sa = math.cos(angle), math.sin(angle)
    xs = rx * r * np.cos(t)
    ys = ry * r * np.sin(t)
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in zip(xs, ys)]


def _shift(points, dx: float, dy: float):
    return [(x + dx, y + dy) for x, y in points]


def _thick_line(draw: ImageDraw.ImageDraw, p0, p1, w0: float, w1: float, fill: int = 255) -> None:
    """A tapered segment as a quadrilateral (PIL's wide lines cannot taper)."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length
    draw.polygon(
        [
            (p0[0] + nx * w0 / 2, p0[1] + ny * w0 / 2),
            (p1[0] + nx * w1 / 2, p1[1] + ny * w1 / 2),
            (p1[0] - nx * w1 / 2, p1[1] - ny * w1 / 2),
            (p0[0] - nx * w0 / 2, p0[1] - ny * w0 / 2),
        ],
        fill=fill,
    )


def _ellipse(draw: ImageDraw.ImageDraw, cx, cy, rx, ry, fill: int = 255) -> None:
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill)


# ---------------------------------------------------------------------------------------------
# The street
# ---------------------------------------------------------------------------------------------


@dataclass
class _Layout:
    n: int  # canvas size
    horizon: float
    vx: float  # vanishing point x
    left_bottom: float  # road edges at the canvas bottom
    right_bottom: float
    safe0: float  # object centres stay in [safe0, safe1]^2 (inside every camera crop)
    safe1: float
    surface: np.ndarray  # road base colour

    def depth(self, y: float) -> float:
        """0 at the horizon, 1 at the canvas bottom: the perspective size factor."""
        return float(np.clip((y - self.horizon) / (self.n - self.horizon), 0.05, 1.0))

    def edges(self, y: float) -> tuple[float, float]:
        d = self.depth(y)
        return self.vx + (self.left_bottom - self.vx) * d, self.vx + (self.right_bottom - self.vx) * d


def _sky_and_buildings(c: _Canvas, lay: _Layout, style: Style, rng: np.random.Generator) -> None:
    n, h = c.n, int(lay.horizon) + 1
    if style.lighting == "night":
        top, bottom = np.array([0.02, 0.03, 0.08]), np.array([0.10, 0.10, 0.18])
    else:
        kind = rng.choice(["clear", "overcast", "dusk"], p=[0.5, 0.35, 0.15])
        top, bottom = {
            "clear": (np.array([0.35, 0.55, 0.85]), np.array([0.70, 0.80, 0.92])),
            "overcast": (np.array([0.62, 0.64, 0.68]), np.array([0.80, 0.81, 0.83])),
            "dusk": (np.array([0.30, 0.35, 0.60]), np.array([0.95, 0.70, 0.50])),
        }[kind]
        top = top * rng.uniform(0.85, 1.1)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    c.rgb[:h] = (top * (1 - t) + bottom * t).astype(np.float32)

    # Buildings: a row of facades standing on the horizon, some with window grids.
    x = rng.uniform(-20, 0)
    while x < n:
        w = rng.uniform(18, 50)
        top_y = lay.horizon - rng.uniform(10, max(12.0, lay.horizon - 4))
        col = np.array(
            rng.choice(
                [
                    [0.72, 0.66, 0.55],
                    [0.60, 0.35, 0.28],
                    [0.55, 0.56, 0.58],
                    [0.80, 0.78, 0.72],
                    [0.45, 0.42, 0.40],
                ]
            )
        ) * rng.uniform(0.8, 1.15)
        im, d = c.layer()
        d.rectangle([x, top_y, x + w, lay.horizon + 2], fill=255)
        c.paint(im, _textured(rng, col, 0.015, 0.03))
        if rng.random() < 0.75:
            lit = style.lighting == "night"
            win = np.array([0.95, 0.85, 0.45]) if lit else np.array([0.25, 0.30, 0.38])
            im, d = c.layer()
            ww, wh = rng.uniform(2.5, 5), rng.uniform(3, 6)
            for wy in np.arange(top_y + 3, lay.horizon - wh, wh * 2):
                for wx in np.arange(x + 3, x + w - ww - 1, ww * 2):
                    if not lit or rng.random() < 0.5:
                        d.rectangle([wx, wy, wx + ww, wy + wh], fill=255)
            c.paint(im, win)
        x += w + rng.uniform(-4, 6)


def _surface_colour(style: Style, rng: np.random.Generator) -> np.ndarray:
    if style.surface == "concrete":
        return np.full(3, rng.uniform(0.55, 0.70)) + rng.uniform(-0.02, 0.02, 3)
    if style.surface == "red_asphalt":
        return np.array([0.45, 0.27, 0.22]) * rng.uniform(0.8, 1.15)
    return np.full(3, rng.uniform(0.20, 0.42)) + rng.uniform(-0.02, 0.02, 3)


def _ground(c: _Canvas, lay: _Layout, style: Style, rng: np.random.Generator) -> None:
    n, hz = c.n, lay.horizon
    # Pavement everywhere below the horizon first; the road is painted over it.
    pave = np.full(3, rng.uniform(0.50, 0.70)) + rng.uniform(-0.03, 0.03, 3)
    im, d = c.layer()
    d.rectangle([0, hz, n, n], fill=255)
    c.paint(im, _textured(rng, pave, 0.03, 0.03))

    # The road: a trapezoid converging on the vanishing point, with a worn, grainy texture.
    top_half = 2.0
    road = [(lay.vx - top_half, hz), (lay.vx + top_half, hz), (lay.right_bottom, n), (lay.left_bottom, n)]
    im, d = c.layer()
    d.polygon(road, fill=255)
    c.paint(im, _textured(rng, lay.surface, rng.uniform(0.025, 0.05), rng.uniform(0.02, 0.05), 8))
    if style.surface == "concrete":
        # Expansion joints: slabs get shorter towards the horizon.
        im, d = c.layer()
        y = float(n)
        while y > hz + 4:
            l, r = lay.edges(y)
            d.line([(l, y), (r, y)], fill=255, width=1)
            y -= 6 + 30 * lay.depth(y)
        c.paint(im, lay.surface * 0.7)

    # Kerbs: a light band along each road edge, wider near the camera.
    im, d = c.layer()
    for bottom in (lay.left_bottom, lay.right_bottom):
        side = -1 if bottom < lay.vx else 1
        w = rng.uniform(4, 8)
        d.polygon(
            [
                (lay.vx + side * top_half, hz),
                (bottom, n),
                (bottom + side * w, n),
                (lay.vx + side * (top_half + 0.3), hz),
            ],
            fill=255,
        )
    c.paint(im, _textured(rng, np.full(3, rng.uniform(0.62, 0.82)), 0.03))

    # Lane marking, sometimes dashed, white or yellow.
    if rng.random() < 0.6:
        col = np.array([0.85, 0.85, 0.82]) if rng.random() < 0.7 else np.array([0.85, 0.72, 0.25])
        mid = (lay.left_bottom + lay.right_bottom) / 2 + rng.uniform(-10, 10)
        im, d = c.layer()
        dashed = rng.random() < 0.7
        y = hz + 2
        while y < n:
            step = 3 + 14 * lay.depth(y)
            # A dash covers 60% of a step; a solid line advances by the dash length (no gaps).
            d0, d1 = lay.depth(y), lay.depth(min(y + step * 0.6, n))
            x0, x1 = lay.vx + (mid - lay.vx) * d0, lay.vx + (mid - lay.vx) * d1
            _thick_line(d, (x0, y), (x1, min(y + step * 0.6, n)), 0.5 + 3 * d0, 0.5 + 3 * d1)
            y += step if dashed else step * 0.6
        c.paint(im, col * rng.uniform(0.8, 1.0), opacity=rng.uniform(0.6, 0.95))


def _ground_point(
    lay: _Layout, rng: np.random.Generator, where: str, margin: float = 0.0, min_depth: float = 0.3
) -> tuple[float, float]:
    """A point on the road / near a kerb / on the pavement, inside the safe zone."""
    y0 = max(lay.horizon + min_depth * (lay.n - lay.horizon), lay.safe0 + margin)
    y1 = max(y0 + 1, lay.safe1 - margin * 0.5)
    for _ in range(20):
        y = rng.uniform(y0, y1)
        left, right = lay.edges(y)
        if where == "road":
            x = rng.uniform(left + 0.15 * (right - left), right - 0.15 * (right - left))
        elif where == "kerb":
            x = (left if rng.random() < 0.5 else right) + rng.uniform(-10, 10)
        else:  # pavement
            x = left - rng.uniform(6, 25) if rng.random() < 0.5 else right + rng.uniform(6, 25)
        if lay.safe0 + margin <= x <= lay.safe1 - margin:
            return x, y
    return rng.uniform(lay.safe0 + margin, lay.safe1 - margin), rng.uniform(y0, y1)


# ---------------------------------------------------------------------------------------------
# Objects (owner id 1)
# ---------------------------------------------------------------------------------------------


def _pothole(c: _Canvas, lay: _Layout, rng: np.random.Generator) -> dict:
    cx, cy = _ground_point(lay, rng, "road", margin=12, min_depth=0.35)
    p = lay.depth(cy)
    rx = max(7.0, p * rng.uniform(18, 34))
    ry = rx * rng.uniform(0.35, 0.6)  # flattened by perspective
    outline = _blob(rng, cx, cy, rx, ry, n=int(rng.integers(12, 20)), jitter=0.3)
    wet = rng.random() < 0.3
    dark = lay.surface * rng.uniform(0.35, 0.6)

    # Crumbled rim: a ring of lighter, broken asphalt just outside the hole.
    rim, d = c.layer()
    d.polygon(_blob(rng, cx, cy, rx * 1.2, ry * 1.25, n=18, jitter=0.15), fill=255)
    c.paint(
        rim,
        _textured(rng, np.minimum(lay.surface * 1.25 + 0.05, 1), 0.07),
        soften=0.8,
        opacity=rng.uniform(0.5, 0.9),
    )
    # The hole: dark, coarse gravel, or a muddy water surface.
    hole, d = c.layer()
    d.polygon(outline, fill=255)
    if wet:
        water = dark * 0.6 + c.rgb[2].mean(0) * 0.25  # a dull reflection of the sky colour
        c.paint(hole, _textured(rng, water, 0.015, 0.04), owner=1)
    else:
        c.paint(hole, _textured(rng, dark, 0.08, 0.05), owner=1)
    # The far wall shades the hole's upper part; the near wall, lit, shows as a light crescent.
    sh, d = c.layer()
    d.polygon(outline, fill=255)
    cut, d2 = c.layer()
    d2.polygon(_shift(outline, 0, ry * 0.45), fill=255)
    c.paint(Image.fromarray(np.minimum(np.asarray(sh), 255 - np.asarray(cut))), np.zeros(3), opacity=0.55)
    lit, d = c.layer()
    d.polygon(outline, fill=255)
    cut, d2 = c.layer()
    d2.polygon(_shift(outline, 0, -ry * 0.3), fill=255)
    c.paint(
        Image.fromarray(np.minimum(np.asarray(lit), 255 - np.asarray(cut))),
        np.minimum(lay.surface * 1.1, 1),
        opacity=0.6,
    )
    # Cracks running away from the edge.
    if rng.random() < 0.6:
        im, d = c.layer()
        for _ in range(int(rng.integers(1, 4))):
            a = rng.uniform(0, 2 * np.pi)
            x, y = cx + rx * math.cos(a), cy + ry * math.sin(a)
            for _ in range(3):
                nx, ny = x + rng.uniform(4, 9) * math.cos(a), y + rng.uniform(2, 5) * math.sin(a)
                d.line([(x, y), (nx, ny)], fill=255, width=1)
                x, y, a = nx, ny, a + rng.uniform(-0.6, 0.6)
        c.paint(im, dark * 0.7, opacity=0.8)
    return {"wet": bool(wet)}


def _garbage(c: _Canvas, lay: _Layout, rng: np.random.Generator) -> dict:
    cx, cy = _ground_point(lay, rng, "kerb" if rng.random() < 0.6 else "road", margin=14, min_depth=0.3)
    p = lay.depth(cy)
    palette = {
        "black_bag": [0.07, 0.07, 0.08],
        "green_bag": [0.12, 0.30, 0.15],
        "blue_bag": [0.15, 0.25, 0.55],
        "white_bag": [0.85, 0.85, 0.82],
        "yellow_bag": [0.85, 0.75, 0.20],
        "box": [0.60, 0.45, 0.28],
    }
    k = int(rng.integers(2, 7))
    # Soft contact shadow under the pile.
    sh, d = c.layer()
    _ellipse(d, cx, cy + 3 * p, p * 26, p * 8)
    c.paint(sh, np.zeros(3), soften=2, opacity=0.4)
    kinds = []
    for _ in range(k):
        kind = str(rng.choice(list(palette), p=[0.3, 0.12, 0.12, 0.12, 0.08, 0.26]))
        kinds.append(kind)
        col = np.array(palette[kind]) * rng.uniform(0.8, 1.15)
        s = max(4.0, p * rng.uniform(9, 17))
        x, y = cx + rng.uniform(-1.6, 1.6) * s, cy + rng.uniform(-0.8, 0.5) * s
        im, d = c.layer()
        if kind == "box":
            w, h = s * rng.uniform(1.2, 2.0), s * rng.uniform(0.9, 1.5)
            d.rectangle([x - w / 2, y - h, x + w / 2, y], fill=255)
            c.paint(im, _textured(rng, col, 0.03), owner=1)
            top, d = c.layer()  # the lid, lit from above: a skewed lighter face
            d.polygon(
                [
                    (x - w / 2, y - h),
                    (x + w / 2, y - h),
                    (x + w / 2 + s * 0.4, y - h - s * 0.35),
                    (x - w / 2 + s * 0.4, y - h - s * 0.35),
                ],
                fill=255,
            )
            c.paint(top, np.minimum(col * 1.3, 1), owner=1)
            tape, d = c.layer()
            d.line([(x, y - h), (x, y)], fill=255, width=max(1, int(s / 6)))
            c.paint(tape, np.array([0.75, 0.65, 0.45]), opacity=0.7)
        else:
            d.polygon(
                _blob(
                    rng,
                    x,
                    y - s * 0.6,
                    s * rng.uniform(0.8, 1.1),
                    s * rng.uniform(0.7, 1.0),
                    n=14,
                    jitter=0.18,
                ),
                fill=255,
            )
            d.polygon([(x - s * 0.15, y - s * 1.5), (x + s * 0.15, y - s * 1.5), (x, y - s * 1.1)], fill=255)

            def shade(h, w, col=col):
                return col * np.linspace(1.25, 0.7, h, dtype=np.float32)[:, None, None]

            c.paint(im, shade, owner=1)
            hi, d = c.layer()  # plastic sheen
            _ellipse(d, x - s * 0.3, y - s * 0.95, s * 0.25, s * 0.12)
            c.paint(hi, np.ones(3), soften=0.6, opacity=0.35 if kind != "white_bag" else 0.15)
    # Loose litter around the pile: small bright bottles and cans.
    if rng.random() < 0.6:
        im, d = c.layer()
        for _ in range(int(rng.integers(2, 6))):
            x, y = cx + rng.uniform(-30, 30) * p, cy + rng.uniform(-3, 6) * p
            d.rectangle([x, y, x + max(2, 4 * p), y + max(1, 2 * p)], fill=255)
        c.paint(im, rng.uniform(0.3, 1.0, 3), owner=1)
    return {"items": kinds}


def _tree_parts(
    c: _Canvas,
    rng: np.random.Generator,
    trunk: list[tuple[float, float]],
    width: float,
    owner: int,
    autumn: bool,
    leaf_scale: float,
) -> None:
    """A trunk polyline with branches and leaf clusters; shared by fallen and standing trees."""
    bark = np.array([0.36, 0.25, 0.16]) * rng.uniform(0.75, 1.2)
    im, d = c.layer()
    tips = []
    for i in range(len(trunk) - 1):
        w0 = width * (1 - 0.5 * i / len(trunk))
        w1 = width * (1 - 0.5 * (i + 1) / len(trunk))
        _thick_line(d, trunk[i], trunk[i + 1], w0, w1)
    # Branches leave the trunk on both sides at random points.
    (x0, y0), (x1, y1) = trunk[0], trunk[-1]
    along = math.atan2(y1 - y0, x1 - x0)
    for _ in range(int(rng.integers(3, 8))):
        t = rng.uniform(0.3, 1.0)
        bx, by = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        a = along + rng.choice([-1, 1]) * rng.uniform(0.4, 1.2)
        length = rng.uniform(0.15, 0.35) * math.hypot(x1 - x0, y1 - y0)
        ex, ey = bx + length * math.cos(a), by + length * math.sin(a)
        _thick_line(d, (bx, by), (ex, ey), max(1.5, width * 0.4), 1.0)
        tips.append((ex, ey))
    c.paint(im, _textured(rng, bark, 0.06, 0.04), owner=owner)
    # Leaf clusters at branch tips and along the crown, in three shades for depth.
    greens = [[0.18, 0.40, 0.12], [0.28, 0.52, 0.18], [0.12, 0.30, 0.10]]
    if autumn:
        greens = [[0.65, 0.45, 0.12], [0.55, 0.30, 0.10], [0.45, 0.40, 0.15]]
    crown = tips + [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in rng.uniform(0.55, 1.0, 4)]
    for shade in greens:
        im, d = c.layer()
        for tx, ty in crown:
            for _ in range(int(rng.integers(2, 5))):
                r = leaf_scale * rng.uniform(0.35, 1.0)
                _ellipse(d, tx + rng.normal(0, leaf_scale), ty + rng.normal(0, leaf_scale * 0.7), r, r * 0.8)
        c.paint(im, _textured(rng, np.array(shade) * rng.uniform(0.8, 1.2), 0.06), owner=owner)


def _fallen_tree(c: _Canvas, lay: _Layout, rng: np.random.Generator) -> dict:
    cx, cy = _ground_point(lay, rng, "road", margin=10, min_depth=0.35)
    p = lay.depth(cy)
    length = rng.uniform(0.45, 0.8) * (lay.safe1 - lay.safe0 + 20)
    angle = rng.uniform(-0.45, 0.45) + (math.pi if rng.random() < 0.5 else 0.0)
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2 * 0.6
    start, end = (cx - dx, cy - dy), (cx + dx, cy + dy)
    width = max(4.0, p * rng.uniform(7, 13))
    # A slightly bent trunk: three segments with a sideways wobble.
    mid = [
        (
            start[0] + (end[0] - start[0]) * t + rng.normal(0, 2),
            start[1] + (end[1] - start[1]) * t + rng.normal(0, 2),
        )
        for t in (0.33, 0.66)
    ]
    trunk = [start, *mid, end]
    sh, d = c.layer()
    for a, b in zip(trunk, trunk[1:]):
        _thick_line(d, (a[0], a[1] + width * 0.8), (b[0], b[1] + width * 0.8), width * 1.2, width)
    c.paint(sh, np.zeros(3), soften=2, opacity=0.35)
    autumn = rng.random() < 0.15
    _tree_parts(c, rng, trunk, width, owner=1, autumn=autumn, leaf_scale=max(3.0, p * rng.uniform(5, 9)))
    # The torn root end shows pale wood.
    im, d = c.layer()
    _ellipse(d, start[0], start[1], width * 0.6, width * 0.55)
    c.paint(im, np.array([0.78, 0.66, 0.45]), owner=1)
    return {"autumn": bool(autumn), "angle_deg": round(math.degrees(angle) % 180, 1)}


def _flooding(c: _Canvas, lay: _Layout, rng: np.random.Generator) -> dict:
    """Standing water across the street: a wide sheet with a wavy far edge that covers the road and
    often the pavement, muddy brown to grey, mirroring the sky and facades above it, with ripples.
    Unlike a puddle (a small, flat blob on the road, the hard negative) it spans the street and
    swallows kerbs and the lower part of whatever stands in it."""
    n = c.n
    far = lay.horizon + rng.uniform(0.08, 0.45) * (n - lay.horizon)  # where the water starts
    spill = rng.uniform(0.0, 0.6)  # how far past the kerbs it reaches (0 = the road only)
    xs = np.linspace(-10, n + 10, 24)
    edge = far + np.convolve(rng.normal(0, 3.0, len(xs) + 4), np.ones(5) / 5, mode="valid")
    left_far, right_far = lay.edges(far)
    width_far = right_far - left_far
    pts = []
    for x, y in zip(xs, edge):
        # Beyond the road edges the water line recedes towards the camera (pavement is higher).
        out = max(left_far - spill * width_far - x, x - right_far - spill * width_far, 0.0)
        pts.append((float(x), float(y + out * rng.uniform(0.6, 1.2))))
    pts += [(n + 10, n + 10), (-10, n + 10)]
    im, d = c.layer()
    d.polygon(pts, fill=255)
    sky = c.rgb[2:8].mean((0, 1))
    mud = np.array([0.42, 0.33, 0.22]) * rng.uniform(0.7, 1.2)
    murk = rng.uniform(0.35, 0.8)  # 0 = clear mirror, 1 = opaque brown
    h0 = int(max(0, lay.horizon - (n - lay.horizon)))
    mirror = c.rgb[h0 : int(lay.horizon)][::-1].copy()  # the scene above the horizon, flipped

    def water(h: int, w: int) -> np.ndarray:
        # Reflection resampled to the water's box, blended with mud, plus smooth shimmer.
        ref = (
            np.asarray(
                Image.fromarray((np.clip(mirror, 0, 1) * 255).astype(np.uint8)).resize(
                    (max(w, 1), max(h, 1))
                ),
                np.float32,
            )
            / 255.0
        )
        base = ref * 0.8 * (1 - murk) + (mud * murk + sky * 0.2 * (1 - murk))
        return base + _low_freq(rng, h, w, 5, 0.04)[..., None]

    c.paint(im, water, owner=1, soften=0.8)
    # Ripples: thin light arcs, denser and shorter towards the far edge.
    im, d = c.layer()
    for _ in range(int(rng.integers(8, 22))):
        y = rng.uniform(far + 2, n)
        p = lay.depth(y)
        x = rng.uniform(0, n)
        length = rng.uniform(6, 30) * p
        d.line([(x - length, y), (x + length, y + rng.uniform(-1, 1))], fill=255, width=1)
    c.paint(im, np.minimum(sky * 1.15 + 0.1, 1), opacity=rng.uniform(0.25, 0.55))
    return {
        "far_depth": round(float(lay.depth(far)), 3),
        "murk": round(float(murk), 3),
        "spill": round(float(spill), 3),
    }


OBJECTS = {"pothole": _pothole, "garbage": _garbage, "fallen_tree": _fallen_tree, "flooding": _flooding}


# ---------------------------------------------------------------------------------------------
# Distractors (hard negatives)
# ---------------------------------------------------------------------------------------------


def _distractor(kind: str, c: _Canvas, lay: _Layout, rng: np.random.Generator) -> None:
    owner = c.new_owner(kind)
    if kind == "manhole":  # round, dark, but a regular outline and a cast pattern: not a pothole
        cx, cy = _ground_point(lay, rng, "road", margin=8)
        p = lay.depth(cy)
        rx = max(5.0, p * rng.uniform(10, 16))
        ry = rx * rng.uniform(0.4, 0.55)
        im, d = c.layer()
        _ellipse(d, cx, cy, rx, ry)
        metal = np.full(3, rng.uniform(0.18, 0.35))
        c.paint(im, _textured(rng, metal, 0.03), owner=owner)
        pat, d = c.layer()
        _ellipse(d, cx, cy, rx, ry)
        for k in np.linspace(-rx, rx, 7):
            d.line([(cx + k, cy - ry), (cx + k, cy + ry)], fill=0, width=1)
        c.paint(pat, metal * 1.6, opacity=0.5)
        ring, d = c.layer()
        d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=255, width=max(1, int(rx / 6)))
        c.paint(ring, np.minimum(metal * 2.0, 1), opacity=0.8)
    elif kind == "puddle":  # dark and irregular like a pothole, but flat: a smooth sky reflection
        cx, cy = _ground_point(lay, rng, "road" if rng.random() < 0.6 else "kerb", margin=8)
        p = lay.depth(cy)
        rx = max(6.0, p * rng.uniform(15, 35))
        im, d = c.layer()
        d.polygon(_blob(rng, cx, cy, rx, rx * rng.uniform(0.25, 0.45), n=16, jitter=0.35), fill=255)
        sky = c.rgb[2:6].mean((0, 1))
        c.paint(im, _textured(rng, lay.surface * 0.45 + sky * 0.35, 0.01, 0.03), owner=owner, soften=1.2)
    elif kind == "car":  # a colourful block at the kerb: not a pile of bags
        cx, cy = _ground_point(lay, rng, "kerb", margin=0, min_depth=0.4)
        p = lay.depth(cy)
        w, h = p * rng.uniform(60, 90), p * rng.uniform(22, 30)
        col = rng.choice(
            [[0.7, 0.1, 0.1], [0.1, 0.2, 0.6], [0.8, 0.8, 0.8], [0.1, 0.1, 0.1], [0.5, 0.5, 0.55]]
        ) * rng.uniform(0.8, 1.1)
        im, d = c.layer()
        d.rectangle([cx - w / 2, cy - h * 0.6, cx + w / 2, cy], fill=255)
        d.polygon(
            [
                (cx - w * 0.3, cy - h * 0.6),
                (cx - w * 0.18, cy - h),
                (cx + w * 0.22, cy - h),
                (cx + w * 0.35, cy - h * 0.6),
            ],
            fill=255,
        )
        c.paint(im, _textured(rng, col, 0.02), owner=owner)
        win, d = c.layer()
        d.polygon(
            [
                (cx - w * 0.25, cy - h * 0.62),
                (cx - w * 0.16, cy - h * 0.92),
                (cx + w * 0.2, cy - h * 0.92),
                (cx + w * 0.3, cy - h * 0.62),
            ],
            fill=255,
        )
        c.paint(win, np.array([0.25, 0.3, 0.38]))
        wheels, d = c.layer()
        for wx in (cx - w * 0.3, cx + w * 0.3):
            _ellipse(d, wx, cy, h * 0.22, h * 0.22)
        c.paint(wheels, np.full(3, 0.05), owner=owner)
    elif kind == "shadow":  # a tree's shadow: dark and leafy-edged, but translucent
        cx, cy = _ground_point(lay, rng, "road", margin=0)
        p = lay.depth(cy)
        im, d = c.layer()
        for _ in range(int(rng.integers(5, 12))):
            r = p * rng.uniform(6, 14)
            _ellipse(d, cx + rng.normal(0, 14 * p), cy + rng.normal(0, 5 * p), r, r * 0.5)
        c.paint(im, np.zeros(3), owner=owner, soften=1.5, opacity=rng.uniform(0.35, 0.55))
    elif kind == "standing_tree":  # trunk and leaves like a fallen tree, but upright on the pavement
        x, y = _ground_point(lay, rng, "pavement", margin=4, min_depth=0.2)
        p = lay.depth(y)
        height = p * rng.uniform(60, 95)
        trunk = [(x, y), (x + rng.normal(0, 2), y - height * 0.5), (x + rng.normal(0, 3), y - height)]
        _tree_parts(
            c,
            rng,
            trunk,
            max(2.5, p * rng.uniform(4, 7)),
            owner=owner,
            autumn=rng.random() < 0.15,
            leaf_scale=max(3.0, p * rng.uniform(6, 10)),
        )
    elif kind == "bin":  # a tidy upright container: litter infrastructure, not litter
        x, y = _ground_point(lay, rng, "pavement", margin=4)
        p = lay.depth(y)
        w, h = p * rng.uniform(9, 14), p * rng.uniform(14, 20)
        col = rng.choice([[0.15, 0.35, 0.2], [0.3, 0.3, 0.32], [0.6, 0.55, 0.2]]) * rng.uniform(0.85, 1.1)
        im, d = c.layer()
        d.rectangle([x - w / 2, y - h, x + w / 2, y], fill=255)
        c.paint(
            im, lambda hh, ww: col * np.linspace(0.8, 1.2, ww, dtype=np.float32)[None, :, None], owner=owner
        )
        lid, d = c.layer()
        d.rectangle([x - w / 2 - 1, y - h - max(1, h * 0.12), x + w / 2 + 1, y - h], fill=255)
        c.paint(lid, col * 0.6, owner=owner)
    elif kind == "leaves":  # a few leaves on the road: leafy colour without a trunk
        cx, cy = _ground_point(lay, rng, "road", margin=0)
        p = lay.depth(cy)
        im, d = c.layer()
        for _ in range(int(rng.integers(8, 25))):
            r = max(1.0, p * rng.uniform(1.5, 3))
            _ellipse(d, cx + rng.normal(0, 20 * p), cy + rng.normal(0, 6 * p), r, r * 0.6)
        c.paint(im, rng.choice([[0.3, 0.45, 0.15], [0.6, 0.4, 0.12], [0.5, 0.3, 0.1]]), owner=owner)
    else:
        raise ValueError(f"unknown distractor {kind!r}")


# ---------------------------------------------------------------------------------------------
# Light and camera
# ---------------------------------------------------------------------------------------------


def _lighting(c: _Canvas, lay: _Layout, style: Style, rng: np.random.Generator) -> dict:
    n = c.n
    if rng.random() < 0.3:
        # A building's cast shadow across part of the street.
        im, d = c.layer()
        x = rng.uniform(0, n)
        d.polygon(
            [
                (x, lay.horizon),
                (x + rng.uniform(20, 80), lay.horizon),
                (rng.uniform(0, n), n),
                (rng.uniform(-n, 0), n),
            ],
            fill=255,
        )
        c.paint(im, np.zeros(3), soften=1.0, opacity=rng.uniform(0.25, 0.45))
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n
    if style.lighting == "night":
        exposure = rng.uniform(0.22, 0.42)
        tint = np.array([1.15, 0.95, 0.70]) if rng.random() < 0.6 else np.array([0.85, 0.95, 1.15])
        light = np.full((n, n), exposure, np.float32)
        for _ in range(int(rng.integers(1, 4))):  # street-lamp pools on the ground
            lx, ly = rng.uniform(0.1, 0.9), rng.uniform(0.55, 1.0)
            light += rng.uniform(0.4, 0.9) * np.exp(
                -((xx - lx) ** 2 + (ly - yy) ** 2 * 3) / rng.uniform(0.02, 0.06)
            )
        c.rgb *= light[..., None] * tint
        return {"exposure": round(float(exposure), 3), "night": True}
    exposure = rng.uniform(0.7, 1.25)
    tint = 1 + np.array([1.0, 0.0, -1.0]) * rng.uniform(-0.08, 0.08)
    gx, gy = rng.uniform(-0.25, 0.25, 2)
    gradient = 1 + gx * (xx - 0.5) + gy * (yy - 0.5)
    c.rgb *= (exposure * gradient)[..., None] * tint
    return {"exposure": round(float(exposure), 3), "night": False}


def _camera(rng: np.random.Generator, size: int, n: int, strength: float) -> tuple[tuple, dict]:
    """An affine map from output pixels to canvas pixels: tilt, zoom and shift."""
    theta = math.radians(rng.uniform(-8, 8) * strength)
    scale = 1 + rng.uniform(-0.15, 0.1) * strength  # canvas pixels per output pixel
    tx, ty = rng.uniform(-8, 8, 2) * strength
    ca, sa = math.cos(theta) * scale, math.sin(theta) * scale
    c_out, c_in = size / 2, n / 2
    # x_in = ca*(x-c_out) - sa*(y-c_out) + c_in + tx, y_in = sa*(x-c_out) + ca*(y-c_out) + c_in + ty
    coeffs = (ca, -sa, c_in + tx - ca * c_out + sa * c_out, sa, ca, c_in + ty - sa * c_out - ca * c_out)
    return coeffs, {"tilt_deg": round(math.degrees(theta), 2), "zoom": round(1 / scale, 3)}


def _box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def render_scene(label: str, rng: np.random.Generator, size: int = 128, style: Style = Style()) -> Scene:
    """Draws one scene of class `label` with the given random stream."""
    if label not in DRAWABLE:
        raise ValueError(f"unknown class {label!r}; expected one of {DRAWABLE}")
    n = int(round(size * CANVAS_RATIO))
    c = _Canvas(n, rng)
    safe = size * 0.42  # object centres stay this close to the canvas centre
    left = rng.uniform(-0.5, 0.15) * n
    lay = _Layout(
        n=n,
        horizon=n / 2 - size / 2 + rng.uniform(0.18, 0.4) * size,
        vx=n / 2 + rng.uniform(-0.15, 0.15) * n,
        left_bottom=left,
        right_bottom=left + rng.uniform(0.9, 1.4) * n,
        safe0=n / 2 - safe,
        safe1=n / 2 + safe,
        surface=_surface_colour(style, rng),
    )
    _sky_and_buildings(c, lay, style, rng)
    _ground(c, lay, style, rng)

    if label == "other":
        count = int(rng.choice([0, 1, 2, 3], p=[0.2, 0.4, 0.28, 0.12]))
    else:
        count = int(rng.choice([0, 1, 2], p=[0.55, 0.35, 0.10]))
    kinds = [str(k) for k in rng.choice(DISTRACTORS, size=count, replace=False)]
    # Upright things stand behind flat ones; the object is drawn last so it is never hidden.
    for kind in sorted(kinds, key=lambda k: k not in ("standing_tree", "car", "bin")):
        _distractor(kind, c, lay, rng)
    obj = OBJECTS[label](c, lay, rng) if label != "other" else {}
    light = _lighting(c, lay, style, rng)

    canvas_img = Image.fromarray((np.clip(c.rgb, 0, 1) * 255 + 0.5).astype(np.uint8))
    ids_img = Image.fromarray(c.ids)
    object_px = int((c.ids == 1).sum())
    for attempt in range(6):
        # If the camera crops most of the object away, draw a gentler camera (strength shrinks).
        coeffs, cam = _camera(rng, size, n, strength=1.0 - attempt / 5)
        ids = np.asarray(ids_img.transform((size, size), Image.AFFINE, coeffs, Image.NEAREST))
        zoom = cam["zoom"]
        if label == "other" or (ids == 1).sum() >= 0.6 * object_px * zoom * zoom:
            break
    img = canvas_img.transform((size, size), Image.AFFINE, coeffs, Image.BILINEAR)

    blur = float(rng.uniform(0, 1.0)) if rng.random() < 0.6 else 0.0
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    noise = float(rng.uniform(0.005, 0.03)) * (2.0 if style.lighting == "night" else 1.0)
    arr = np.asarray(img, np.float32) + rng.standard_normal((size, size, 3), dtype=np.float32) * noise * 255
    img = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))
    quality = int(rng.integers(35, 96)) if rng.random() < 0.8 else None
    if quality is not None:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=quality)
        buf.seek(0)
        img = Image.open(buf).convert("RGB")

    mask = ids == 1
    distractors = []
    for owner, kind in c.kinds.items():
        b = _box(ids == owner)
        if b is not None:
            distractors.append({"kind": kind, "box": b})
    box = _box(mask)
    params = {
        "style": {"lighting": style.lighting, "surface": style.surface},
        **light,
        **cam,
        "blur": round(blur, 3),
        "noise": round(noise, 4),
        "jpeg_quality": quality,
        "object_area": round(float(mask.mean()), 4),
        "object": obj,
        "road_grey": round(float(lay.surface.mean()), 3),
    }
    return Scene(
        image=np.asarray(img, np.uint8).copy(),
        label=label,
        mask=mask,
        box=box,
        distractors=distractors,
        params=params,
    )


def scene_rng(seed: int, split: str, index: int, style: Style = Style()) -> np.random.Generator:
    """The random stream of scene `index` of a split: independent of every other scene."""
    style_code = (
        ("day", "night").index(style.lighting),
        ("asphalt", "concrete", "red_asphalt").index(style.surface),
    )
    return np.random.default_rng(np.random.SeedSequence([seed, SPLITS[split], *style_code, index]))


def generate(
    n: int,
    seed: int,
    split: str = "train",
    size: int = 128,
    style: Style = Style(),
    classes: tuple[str, ...] = CLASSES,
) -> list[Scene]:
    """`n` scenes; scene i has class `classes[i % len(classes)]`, so classes are balanced."""
    return [
        render_scene(classes[i % len(classes)], scene_rng(seed, split, i, style), size, style)
        for i in range(n)
    ]


def stack(scenes: list[Scene], classes: tuple[str, ...] = CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N, H, W, 3] and integer labels [N] (index into `classes`)."""
    images = np.stack([s.image for s in scenes]) if scenes else np.zeros((0, 0, 0, 3), np.uint8)
    return images, np.array([classes.index(s.label) for s in scenes], np.int64)
