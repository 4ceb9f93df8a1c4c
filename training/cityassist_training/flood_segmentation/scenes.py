"""SIMULATED satellite scenes of Olinda over the REAL terrain: what the segmentation model learns from.

What is real: the 90 m DEM (r-cran-stars ``olinda_dem_utm25s.tif``) and the IBGE census tracts, both
committed in ``data/olinda/raster.json`` (``etl/zones/prepare-raster.ts``). Everything else is
simulated here, because no labelled radar or optical flood imagery of Olinda is available offline:
the water, the sensors, the speckle and the clouds. A model trained on these scenes has learned this
simulator, not Sentinel-1 or Sentinel-2; it shows the pipeline works and how each sensor degrades,
not how well it would map a real flood.

**Grid.** The DEM is upsampled bilinearly to 30 m (3×3 fine cells per DEM cell, the grid
``raster.json``'s ``fine`` block assigns to tracts) and cropped to the tracts' bounding box plus a
margin, padded to a multiple of 4 for the U-Net's two downsamplings.

**True water ("bathtub" fill).** For zone z with ponding depth W (mm, ``simulate/flood.py``), the
fill height above the zone's lowest 30 m pixel is ``h = fill_m_per_flood_depth * W / flood_depth_mm``
(capped at ``max_fill_m``), and zero while ``W < min_visible_mm`` (puddles smaller than a pixel).
A pixel of z is water when its elevation is at most ``lowest + h``. So flat, low tracts flood
widely, steep tracts only at their foot, and no water ever appears in a zone with no ponding.
**Permanent water**: pixels outside every tract whose elevation is below ``permanent_below_m``
(the DEM's -1 m sea cells and the estuary; bilinear blending moves the coast half a cell). Inside
tracts there is no permanent water: a low tract pixel is land that floods first.

**Sensors** (one scene = one acquisition; ``mode`` says which sensors it has):

* SAR (Sentinel-1-like, sees through cloud): backscatter sigma0 in dB, open water about
  ``water_db`` (-20; wind roughens it by up to ``wind_db`` per scene), land a fixed texture around
  ``land_db`` (-8) with brighter built-up patches and a few per cent of dark smooth surfaces
  (``lookalike_share``: tarmac, sand, bare fields), which a threshold takes for water. Multiplicative
  gamma speckle with ``looks`` (4.4, GRD) equivalent looks on the intensity.
* Optical (Sentinel-2-like NDWI band): water high (``ndwi_water``), land low (``ndwi_land``, its own
  texture), sensor noise, and clouds: a smooth random field thresholded at its quantile so that the
  requested share of the grid is cloud (exactly, up to ties). Cloud pixels read ``ndwi_cloud``
  (bright in both bands, near 0: neither clearly water nor land) and are flagged by the cloud mask
  (as a Level-2A scene classification would); a haze band just outside the mask mixes towards the
  cloud value unflagged.

**Model input** (``CHANNELS``, float32 NCHW): SAR dB normalised, SAR available (0/1), NDWI (0 where
missing or cloud), optical clear (0/1: optical available and not cloud), DEM normalised. A missing
sensor is all zeros with its flag 0, so one network serves Sentinel-1-only, Sentinel-2-only and
coincident passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import ndimage

CHANNELS = ["sar_db_norm", "sar_available", "ndwi", "optical_clear", "dem_norm"]
MODES = ("sar", "optical", "both")
SAR_DB_CENTRE, SAR_DB_SCALE = -14.0, 6.0
DEM_CENTRE, DEM_SCALE = 10.0, 20.0


@dataclass(frozen=True)
class SceneConfig:
    """The simulator's parameters (config block ``scenes``); see the module docstring."""

    fill_m_per_flood_depth: float = 1.0
    max_fill_m: float = 3.0
    min_visible_mm: float = 2.0
    flood_depth_mm: float = 8.0
    permanent_below_m: float = 0.5
    margin_px: int = 8
    water_db: float = -20.0
    wind_db: float = 4.0
    land_db: float = -8.0
    urban_db: float = 3.0
    land_texture_db: float = 1.5
    lookalike_share: float = 0.04
    lookalike_db: float = -17.0
    wet_soil_db: float = 1.0
    looks: float = 4.4
    ndwi_water: float = 0.35
    ndwi_water_sd: float = 0.1
    ndwi_land: float = -0.3
    ndwi_land_sd: float = 0.1
    ndwi_noise: float = 0.05
    ndwi_cloud: float = -0.02
    cloud_length_px: float = 12.0
    haze_band: float = 0.15
    texture_seed: int = 7


@dataclass
class CityGrid:
    """The real terrain on the 30 m grid, zones in the caller's order (terrain.csv rows)."""

    elevation: np.ndarray  # float32 [H, W] metres, bilinear from the 90 m DEM
    zone: np.ndarray  # int32 [H, W] index into zone_ids, -1 outside the given zones
    zone_ids: list[str]
    permanent: np.ndarray  # bool [H, W] sea / estuary
    city: np.ndarray  # bool [H, W] inside any tract of the raster (given zones or not)
    lowest: np.ndarray  # float32 [Z] lowest ground of each zone's pixels
    pixels: np.ndarray  # int64 [Z] pixels per zone
    window: tuple[int, int, int, int]  # (row0, col0, height, width) of the crop in the fine grid
    land_db: np.ndarray = field(repr=False, default=None)  # static SAR texture
    land_ndwi: np.ndarray = field(repr=False, default=None)  # static optical texture
    lookalike: np.ndarray = field(repr=False, default=None)

    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation.shape


def _decode_rows(rows: list[list[int]], width: int) -> np.ndarray:
    out = np.empty((len(rows), width), np.int32)
    for r, runs in enumerate(rows):
        vals = np.asarray(runs[0::2], np.int32)
        lens = np.asarray(runs[1::2], np.int64)
        if lens.sum() != width:
            raise ValueError(f"raster.json fine row {r}: runs cover {lens.sum()} cells, not {width}")
        out[r] = np.repeat(vals, lens)
    return out


def upsample_bilinear(dem: np.ndarray, factor: int) -> np.ndarray:
    """Pixel-is-area bilinear upsampling: a fine cell centre at fine index i sits at coarse
    coordinate (i + 0.5) / factor - 0.5; edges are clamped (as prepare-olinda.ts samples)."""
    h, w = dem.shape

    def axis(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
        i0 = np.minimum(np.floor(f).astype(int), n - 2)
        return i0, i0 + 1, f - i0

    r0, r1, dr = axis(h)
    c0, c1, dc = axis(w)
    top = dem[r0][:, c0] * (1 - dc) + dem[r0][:, c1] * dc
    bottom = dem[r1][:, c0] * (1 - dc) + dem[r1][:, c1] * dc
    return (top * (1 - dr[:, None]) + bottom * dr[:, None]).astype(np.float32)


def load_grid(raster_path: str | Path, zone_ids: list[str], cfg: SceneConfig) -> CityGrid:
    """The city grid for ``zone_ids`` (any subset of the raster's tracts, in the caller's order)."""
    raw = json.loads(Path(raster_path).read_text(encoding="utf-8"))
    fine = raw["fine"]
    factor = int(fine["factor"])
    elevation = upsample_bilinear(np.asarray(raw["elevation"], np.float64), factor)
    raster_zone = _decode_rows(fine["zone"], int(fine["width"]))
    if elevation.shape != raster_zone.shape:
        raise ValueError(f"raster.json: DEM x{factor} is {elevation.shape}, zones {raster_zone.shape}")
    position = {z: i for i, z in enumerate(raw["zoneIds"])}
    missing = [z for z in zone_ids if z not in position]
    if missing:
        raise ValueError(f"zones not in raster.json: {missing[:3]}")
    # Raster index -> caller's index; a tract the caller did not ask for is land that never floods.
    remap = np.full(len(raw["zoneIds"]) + 1, -1, np.int32)
    for i, z in enumerate(zone_ids):
        remap[position[z]] = i
    zone = remap[raster_zone]  # -1 indexes the last entry, which stays -1
    # A tract too small to own a fine cell centre gets the cell holding its centroid.
    for i, z in enumerate(zone_ids):
        if not (zone == i).any():
            r, c = fine["centroidCell"][position[z]]
            zone[r, c] = i
    # Pad the fine grid to a multiple of 4 (edge elevation, no tract) so that any window fits.
    ph, pw = (-elevation.shape[0]) % 4, (-elevation.shape[1]) % 4
    elevation = np.pad(elevation, ((0, ph), (0, pw)), mode="edge")
    zone = np.pad(zone, ((0, ph), (0, pw)), constant_values=-1)
    raster_zone = np.pad(raster_zone, ((0, ph), (0, pw)), constant_values=-1)
    city = raster_zone >= 0

    rows, cols = np.nonzero(city)
    m = cfg.margin_px
    r0, c0 = max(rows.min() - m, 0), max(cols.min() - m, 0)
    r1, c1 = min(rows.max() + 1 + m, city.shape[0]), min(cols.max() + 1 + m, city.shape[1])
    h, w = r1 - r0, c1 - c0
    h4, w4 = -(-h // 4) * 4, -(-w // 4) * 4
    r0, c0 = max(min(r0, city.shape[0] - h4), 0), max(min(c0, city.shape[1] - w4), 0)
    sl = (slice(r0, r0 + h4), slice(c0, c0 + w4))
    elevation, zone, city = elevation[sl], zone[sl], city[sl]
    if elevation.shape != (h4, w4):
        raise ValueError(f"the city does not fit a multiple-of-4 window of the raster ({elevation.shape})")

    n_z = len(zone_ids)
    inside = zone >= 0
    lowest = np.full(n_z, np.inf, np.float32)
    np.minimum.at(lowest, zone[inside], elevation[inside])
    pixels = np.bincount(zone[inside], minlength=n_z)
    grid = CityGrid(
        elevation=elevation,
        zone=zone,
        zone_ids=list(zone_ids),
        permanent=(~city) & (elevation < cfg.permanent_below_m),
        city=city,
        lowest=lowest,
        pixels=pixels,
        window=(int(r0), int(c0), int(h4), int(w4)),
    )
    _static_texture(grid, cfg)
    return grid


def smooth_field(shape: tuple[int, int], length_px: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary Gaussian random field of unit variance, correlation length ``length_px``:
    white noise at a quarter of the resolution, Gaussian-filtered, upsampled (cheap at any size)."""
    q = 4
    small = rng.standard_normal((shape[0] // q + 3, shape[1] // q + 3))
    small = ndimage.gaussian_filter(small, max(length_px / q, 0.5), mode="wrap")
    big = ndimage.zoom(small, q, order=1)[: shape[0], : shape[1]]
    return ((big - big.mean()) / (big.std() + 1e-9)).astype(np.float32)


def _static_texture(grid: CityGrid, cfg: SceneConfig) -> None:
    """Land that does not change between passes: built-up brightness, vegetation, smooth surfaces.
    Fixed by ``texture_seed`` (the city is the same city in every scene)."""
    rng = np.random.default_rng([cfg.texture_seed, 11])
    shape = grid.shape
    urban = np.clip(smooth_field(shape, 3.0, rng), 0, None) * grid.city
    grid.land_db = (
        cfg.land_db + cfg.urban_db * urban + cfg.land_texture_db * smooth_field(shape, 1.5, rng)
    ).astype(np.float32)
    look = smooth_field(shape, 2.0, rng)
    grid.lookalike = look > np.quantile(look, 1 - cfg.lookalike_share)
    grid.land_db[grid.lookalike] = cfg.lookalike_db
    grid.land_ndwi = (cfg.ndwi_land + cfg.ndwi_land_sd * smooth_field(shape, 2.0, rng) + 0.1 * urban).astype(
        np.float32
    )


def fill_height(ponding_mm: np.ndarray, cfg: SceneConfig) -> np.ndarray:
    """Bathtub fill height (m) above each zone's lowest ground for ponding W [Z] (mm)."""
    w = np.asarray(ponding_mm, np.float64)
    h = np.minimum(cfg.fill_m_per_flood_depth * w / cfg.flood_depth_mm, cfg.max_fill_m)
    return np.where(w >= cfg.min_visible_mm, h, 0.0)


def water_mask(grid: CityGrid, ponding_mm: np.ndarray, cfg: SceneConfig) -> np.ndarray:
    """True water [H, W]: permanent water plus each zone's bathtub fill."""
    h = fill_height(ponding_mm, cfg)
    inside = grid.zone >= 0
    zi = np.where(inside, grid.zone, 0)
    h_pix = np.where(inside, h[zi], 0.0)
    flood = inside & (h_pix > 0) & (grid.elevation <= grid.lowest[zi] + h_pix)
    return grid.permanent | flood


def cloud_mask(
    shape: tuple[int, int], cover: float, cfg: SceneConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(cloud [H, W] bool covering ``cover`` of the grid, haze [H, W] in [0, 1] just outside it)."""
    f = smooth_field(shape, cfg.cloud_length_px, rng)
    if cover <= 0:
        return np.zeros(shape, bool), np.zeros(shape, np.float32)
    if cover >= 1:
        return np.ones(shape, bool), np.zeros(shape, np.float32)
    thr = np.quantile(f, 1 - cover)
    cloud = f > thr
    haze = np.clip(1 - (thr - f) / cfg.haze_band, 0, 1) * ~cloud
    return cloud, haze.astype(np.float32)


@dataclass
class Scene:
    x: np.ndarray  # float32 [C, H, W] model input
    water: np.ndarray  # bool [H, W] truth
    sar_db: np.ndarray | None  # float32 [H, W] (None without SAR)
    ndwi: np.ndarray | None  # float32 [H, W] as observed, clouds included (None without optical)
    cloud: np.ndarray  # bool [H, W]
    cover: float
    mode: str


def simulate_scene(
    grid: CityGrid,
    ponding_mm: np.ndarray,
    mode: str,
    cloud_cover: float,
    cfg: SceneConfig,
    rng: np.random.Generator,
) -> Scene:
    """One acquisition of the city at an hour with ponding ``ponding_mm`` [Z]. ``rng`` drives the
    speckle, noise, wind and clouds; the same rng state gives the same scene."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {MODES}")
    shape = grid.shape
    water = water_mask(grid, ponding_mm, cfg)
    # Draw every random part in a fixed order whatever the mode, so that a scene's clouds do not
    # depend on whether it has SAR.
    wind = rng.uniform(0, cfg.wind_db)
    wet = float(np.mean(np.asarray(ponding_mm) > 0))
    speckle = rng.gamma(cfg.looks, 1.0 / cfg.looks, shape).astype(np.float32)
    ndwi_water = (cfg.ndwi_water + cfg.ndwi_water_sd * smooth_field(shape, 2.0, rng)).astype(np.float32)
    noise = rng.normal(0, cfg.ndwi_noise, shape).astype(np.float32)
    cloud, haze = cloud_mask(shape, cloud_cover, cfg, rng)

    x = np.zeros((len(CHANNELS), *shape), np.float32)
    sar_db = ndwi = None
    if mode in ("sar", "both"):
        db = np.where(water, cfg.water_db + wind * grid.permanent, grid.land_db + cfg.wet_soil_db * wet)
        sar_db = (10 * np.log10(np.power(10, db / 10) * speckle + 1e-6)).astype(np.float32)
        x[0] = np.clip((sar_db - SAR_DB_CENTRE) / SAR_DB_SCALE, -3, 3)
        x[1] = 1
    if mode in ("optical", "both"):
        clear = np.where(water, ndwi_water, grid.land_ndwi) + noise
        ndwi = np.where(cloud, cfg.ndwi_cloud + 0.5 * noise, clear * (1 - haze) + cfg.ndwi_cloud * haze)
        ndwi = ndwi.astype(np.float32)
        x[2] = np.where(cloud, 0, ndwi)
        x[3] = ~cloud
    x[4] = np.clip((grid.elevation - DEM_CENTRE) / DEM_SCALE, -1, 4)
    return Scene(x=x, water=water, sar_db=sar_db, ndwi=ndwi, cloud=cloud, cover=float(cloud_cover), mode=mode)


def zone_share(grid: CityGrid, mask: np.ndarray) -> np.ndarray:
    """Share [Z] of each zone's pixels that ``mask`` [..., H, W] marks (leading axes kept)."""
    inside = grid.zone >= 0
    zi = grid.zone[inside]
    flat = mask[..., inside].reshape(-1, zi.size)
    n_z = len(grid.zone_ids)
    counts = np.stack([np.bincount(zi, weights=row, minlength=n_z) for row in flat.astype(np.float64)])
    share = counts / np.maximum(grid.pixels, 1)
    return share.reshape(*mask.shape[:-2], n_z).astype(np.float32)
