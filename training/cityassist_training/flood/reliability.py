"""The reliability diagram of a calibration table, drawn as a PNG with Pillow.

matplotlib is not among the Debian packages training installs, and a reliability diagram is a
handful of lines: the diagonal, one point per bin at (mean predicted, observed) with its bootstrap
interval, and the bin's row count under the axis. Drawn on log-free unit axes over [0, max], where
max covers the largest predicted or observed value, so a model whose probabilities stay below 0.3
is not squeezed into a corner.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

W, H, M = 640, 520, 64


def write_png(path: Path, cal: dict, title: str, fit: dict | None = None) -> None:
    points = [
        (mp, ob, ci, n)
        for mp, ob, ci, n in zip(cal["mean_predicted"], cal["observed"], cal["observed_ci"], cal["count"])
        if n and mp is not None and ob is not None
    ]
    top = max([0.1] + [max(mp, ob, ci[1] or 0) for mp, ob, ci, _ in points])
    top = min(1.0, round(top + 0.05, 1))
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)

    def xy(px: float, py: float) -> tuple[float, float]:
        return M + px / top * (W - 2 * M), H - M - py / top * (H - 2 * M)

    d.rectangle([xy(0, top), xy(top, 0)], outline="black")
    for k in range(0, 11):
        v = top * k / 10
        x, y = xy(v, 0)
        d.line([x, y, x, y + 4], fill="black")
        d.text((x - 10, y + 8), f"{v:.2f}", fill="black")
        x, y = xy(0, v)
        d.line([x - 4, y, x, y], fill="black")
        d.text((x - 40, y - 6), f"{v:.2f}", fill="black")
    d.line([xy(0, 0), xy(top, top)], fill=(150, 150, 150), width=1)
    for mp, ob, (lo, hi), n in points:
        if lo is not None and hi is not None:
            d.line([xy(mp, lo), xy(mp, hi)], fill=(70, 110, 200), width=2)
        x, y = xy(mp, ob)
        r = 3 + min(6, n**0.25 / 2)
        d.ellipse([x - r, y - r, x + r, y + r], fill=(30, 60, 160))
        d.text((x + 8, y - 6), f"n={n:.0f}", fill=(90, 90, 90))
    d.text((M, 16), title, fill="black")
    if fit:
        d.text(
            (M, 34),
            f"slope {fit['slope']:.3f} [{fit['slope_ci'][0]:.3f}, {fit['slope_ci'][1]:.3f}],"
            f" intercept {fit['intercept']:.3f}",
            fill="black",
        )
    d.text((W / 2 - 50, H - 24), "mean predicted probability", fill="black")
    d.text((4, M - 24), "observed rate", fill="black")
    img.save(path, format="PNG", optimize=True)
