"""MODEL_CARD.md of the flood-segmentation U-Net: what is real and what is simulated first, then the
held-out IoU by sensor and cloud cover against the naive rules, then how the tabular model gets it."""

from __future__ import annotations

from .evaluate import METHODS

NAMES = {
    "unet": "U-Net",
    "sar_threshold": "SAR < {sar} dB",
    "sar_otsu": "SAR Otsu",
    "ndwi_threshold": "NDWI > {ndwi}",
}
MODE_NAMES = {
    "sar": "Sentinel-1-like SAR only",
    "optical": "Sentinel-2-like optical only",
    "both": "coincident SAR + optical",
}


def _cell(m: dict | None) -> str:
    if not m:
        return "n/a"
    if m.get("iou") is None:
        return "no water, no false alarm" if m.get("scenes") else "n/a"
    lo, hi = m["ci95"]
    return f"{m['iou']:.3f} [{lo:.3f}, {hi:.3f}]"


def render(meta: dict, report: dict) -> str:
    cfg = meta["lineage"]["config"]
    ev = cfg["eval"]
    sc = meta["scenes"]
    table = report["table"]
    counts = report["counts"]
    served = report["served"]
    arch, s1, s2 = meta["architecture"], meta["passes"]["sentinel1"], meta["passes"]["sentinel2"]
    names = {k: v.format(sar=ev["sar_threshold_db"], ndwi=ev["ndwi_threshold"]) for k, v in NAMES.items()}
    lines = [
        f"# Model card: {meta['name']} {meta['version']}",
        "",
        "**Trained and evaluated on SIMULATED satellite scenes. Not validated on any real image.**",
        "",
        "| real | simulated |",
        "|---|---|",
        "| the 90 m DEM of Olinda (r-cran-stars `olinda_dem_utm25s.tif`) and the 470 IBGE census tracts,"
        " committed as `data/olinda/raster.json` | the water (a bathtub fill of the simulated ponding),"
        " the SAR backscatter and its speckle, the optical NDWI band, the clouds, the land texture and the"
        " dark look-alike surfaces |",
        "",
        "The ponding that drives the water is the tabular flood model's own simulation (simulated rain"
        " over real terrain, `simulate/flood.py`). So the numbers below say how well the U-Net learned"
        " *this simulator* and how each sensor degrades within it, not how well it would map a real flood"
        " from Sentinel-1 or Sentinel-2.",
        "",
        "## What it does",
        "",
        f"A U-Net (widths {arch['widths']}, two downsamplings, {arch['parameters']:,}"
        " parameters) gives one water logit per 30 m pixel (water where > 0) from "
        f"{len(meta['input']['channels'])} channels: {', '.join(f'`{c}`' for c in meta['input']['channels'])}"
        " (formulas in metadata.json). A missing sensor is zeros with its flag 0, so one network serves"
        " radar-only, optical-only and coincident scenes. Fully convolutional: H and W are dynamic"
        f" (multiples of 4); the whole city window is {meta['grid']['shape'][0]}x{meta['grid']['shape'][1]}"
        " pixels.",
        "",
        "## The simulated scenes",
        "",
        f"- **Water**: for zone z with ponding W mm, pixels within h = {sc['fill_m_per_flood_depth']} m x"
        f" W / {sc['flood_depth_mm']} mm (at most {sc['max_fill_m']} m; none while W < {sc['min_visible_mm']}"
        " mm) above the zone's lowest 30 m pixel are water. Permanent water: pixels outside every tract"
        f" below {sc['permanent_below_m']} m (the sea).",
        f"- **SAR**: water {sc['water_db']} dB (open water up to +{sc['wind_db']} dB of wind), land"
        f" {sc['land_db']} dB with texture and built-up brightness, {100 * sc['lookalike_share']:.0f} % of"
        f" the grid dark smooth surfaces at {sc['lookalike_db']} dB; gamma speckle with {sc['looks']} looks.",
        f"- **Optical**: NDWI water {sc['ndwi_water']}, land {sc['ndwi_land']}, noise {sc['ndwi_noise']};"
        f" clouds a smooth random field (correlation {sc['cloud_length_px']} px) thresholded at the scene's"
        f" cloud cover, read {sc['ndwi_cloud']} and flagged; an unflagged haze band around them.",
        "",
        "## Data and split",
        "",
        f"Time split at the flood config's hold-out start, {counts['holdout_start']}: training scenes come"
        f" from the {counts['train_hours']:,} earlier hours ({counts['train_flooded_hours']:,} with a zone at"
        f" flood depth, drawn {100 * cfg['train']['flooded_share']:.0f} % of the time), fresh each step"
        f" ({cfg['train']['steps']} steps x {cfg['train']['batch_scenes']} scenes x"
        f" {cfg['train']['crops_per_scene']} crops of {cfg['train']['crop']}x{cfg['train']['crop']}), mode"
        f" drawn {cfg['modes']}, cloud cover uniform 0-100 %. Test: {counts['test_scenes']} scenes of the"
        f" {counts['test_hours']:,} later hours ({100 * ev['flooded_share']:.0f} % from the"
        f" {counts['test_flooded_hours']:,} flooded ones), {ev['scenes_per_cell']} per sensor mode and cloud"
        " bin, cloud cover uniform in the bin.",
        "",
        "## Held-out IoU of water (tract pixels only)",
        "",
        "Pooled IoU = sum of intersections / sum of unions over the bin's scenes (a dry scene's false alarms"
        " count), with a percentile bootstrap 95 % interval over scenes"
        f" ({ev['bootstrap']} resamples). The sea"
        " is not scored. `share MAE`: the U-Net's per-zone flooded share against the true share, mean"
        " absolute error over zones and scenes (all zones / zones truly flooded).",
        "",
    ]
    bins = list(next(iter(table.values())).keys()) if table else []
    for mode, cells in table.items():
        lines += [f"### {MODE_NAMES.get(mode, mode)}", ""]
        head = "| cloud cover | " + " | ".join(names[m] for m in METHODS) + " | share MAE (all / flooded) |"
        lines += [head, "|---" * (len(METHODS) + 2) + "|"]
        for b in bins:
            c = cells[b]
            mae = f"{c.get('share_mae')} / {c.get('flooded_zone_share_mae')}"
            lines.append(f"| {b} | " + " | ".join(_cell(c.get(m)) for m in METHODS) + f" | {mae} |")
        lines.append("")
    lines += [
        "n/a: the scene has no such sensor. Radar does not care about cloud: its rows differ between"
        " cloud bins only because each bin has its own test hours (a few scenes, wide intervals). The"
        " NDWI rule"
        " calls every cloud pixel dry, so its IoU falls with cover; the U-Net uses the DEM to reject"
        " look-alikes on high ground and, under full cloud with no radar, can only guess from the terrain.",
        "",
        "## Served to the tabular flood model: `passes.satellite_features`",
        "",
        "```python",
        "from cityassist_training.flood_segmentation.passes import satellite_features",
        "share, age_h = satellite_features(hours, ponding_mm, zone_ids, 'models/flood-segmentation/"
        f"{meta['version']}', seed)",
        "```",
        "",
        f"Sentinel-1: every {meta['passes']['sentinel1']['every_days']} days at"
        f" {s1['hour_utc']:02d} UTC, available {s1['latency_h']} h"
        f" later; Sentinel-2: every {meta['passes']['sentinel2']['every_days']} days at"
        f" {s2['hour_utc']:02d} UTC, available {s2['latency_h']} h"
        " later, cloud cover Beta-distributed (mean"
        f" {meta['passes']['cloud']['dry_mean']} dry, {meta['passes']['cloud']['wet_mean']} when any zone has"
        " ponding at the acquisition). Each hour gets the newest available pass's per-zone share (NaN"
        " before the first) and its age in hours. A pass uses only the ponding of its acquisition hour.",
        "",
    ]
    if served:
        lines += [
            f"Over the held-out period ({served['hours']:,} h x {served['zones']} zones, passes"
            f" {served['passes']}, {served['seconds']} s): hours with a share"
            f" {100 * served['covered_share']:.1f} %, mean age {served['mean_age_h']} h; served share vs"
            " the true"
            f" share at that hour, MAE {served['served_mae']} over all zone-hours and"
            f" {served['served_mae_flooded']} over the {served['flooded_zone_hours']:,} zone-hours with"
            " water; on those, by the served pass's age (h):"
            f" {served['served_mae_flooded_by_age_h']}. A flood lasts hours and a pass comes every few"
            " days, so the served share is mostly stale: it says where water was, not where it is.",
            "",
        ]
    lines += [
        "## Limitations",
        "",
        "- Simulated imagery: no real SAR or optical scene was used; real speckle, layover and shadow,"
        " double bounce in flooded streets, vegetation over water, cloud shadow and mis-flagged clouds"
        " are absent or crude.",
        "- The water is a bathtub fill of a per-zone ponding depth on a 90 m DEM upsampled to 30 m:"
        " no flow between zones, no buildings, no drains.",
        "- 30 m pixels: a flooded street narrower than a pixel is not seen by either the model or the"
        " truth.",
        "",
        "## Reproduce",
        "",
        "```sh",
        meta["lineage"]["command"],
        "```",
        "",
        f"Training {report['train_seconds']} s, evaluation {report['eval_seconds']} s, whole run"
        f" {report['duration_s']} s on {meta['framework']['threads']} thread(s); deterministic (seeded,"
        " `torch.use_deterministic_algorithms`).",
        "",
    ]
    return "\n".join(lines)
