"""Model-card figures (ROC, PR, reliability, confusion) drawn with matplotlib from the committed
metadata.json of a model folder; writes PNGs into <folder>/figures/.

    /usr/bin/python3 -m cityassist_training.figures ../models/flood/1.2.0 ../models/image/1.1.0

A training run that has its scores draws exact curves with ``binary_from_scores`` (flood's
pipeline does, on the time hold-out). From a committed folder alone no scores exist, so ``draw``
approximates:
- flood (binary): the time hold-out's 10 equal-width calibration bins (count and observed rate per
  bin) are enough to count TP/FP at the 9 bin edges, so ROC and PR are drawn as the step curve through
  those thresholds, with the served operating point (metadata confusion) and the AUCs that metadata
  reports from the raw scores; the reliability diagram is left to the training run's Pillow-drawn
  reliability.png, unless --reliability is given.
- image (5 classes): the test confusion matrix; metadata has ECE but no bins and no scores, so
  without --image-test no ROC, PR or reliability figure.

With --image-test an image folder gets exact figures instead: its test split is regenerated from
metadata.json's lineage.config (seeded generator, no retraining), the served model.onnx scores it
through onnxruntime-node (training/scripts/image-scores.ts, on the float32 tensors training's
evaluation feeds its model), the confusion matrix must equal metadata's metrics.test.confusion, and
roc.png / pr.png (one-vs-rest per class) and reliability.png (top-class probability, the card's 15
equal-width ECE bins) are drawn:

    /usr/bin/python3 -m cityassist_training.figures --image-test ../models/image/1.1.0

Any file added to a model folder changes its manifest digest (helm/cityassist/values-production.yaml).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 80


def bin_curve(calibration: dict) -> dict:
    """TPR, FPR and precision at the lower edge of each calibration bin (predicted >= edge)."""
    count = np.asarray(calibration["count"], dtype=float)
    pos = count * np.asarray(calibration["observed"], dtype=float)
    neg = count - pos
    edges = np.linspace(0.0, 1.0, len(count) + 1)[:-1]
    tp = np.cumsum(pos[::-1])[::-1]
    fp = np.cumsum(neg[::-1])[::-1]
    tpr = tp / pos.sum()
    fpr = fp / neg.sum()
    precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1e-12), 1.0)
    return {
        "edges": edges,
        "tpr": tpr,
        "fpr": fpr,
        "precision": precision,
        "prevalence": pos.sum() / count.sum(),
    }


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def roc_pr(metrics: dict, out: Path, title: str) -> list[Path]:
    c = bin_curve(metrics["calibration"])
    cm = metrics["confusion"]
    op_tpr = cm["tp"] / (cm["tp"] + cm["fn"])
    op_fpr = cm["fp"] / (cm["fp"] + cm["tn"])
    written = []

    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(8, 3.8))
    for a in (ax, zoom):
        a.plot(
            np.r_[c["fpr"], 0], np.r_[c["tpr"], 0], "o-", ms=3, label="through the 10 calibration-bin edges"
        )
        a.plot([0, 1], [0, 1], ":", color="grey", label="chance")
        a.plot(
            op_fpr, op_tpr, "r*", ms=11, label=f"operating point (threshold {metrics.get('threshold', '')})"
        )
        a.set_xlabel("false positive rate")
        a.set_ylabel("true positive rate")
    zoom.set_xlim(0, 0.05)
    zoom.set_title("zoom: FPR <= 0.05", fontsize=9)
    ax.set_title(f"ROC, {title}\nROC AUC {metrics['roc_auc']:.3f} (from raw scores)", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    written.append(_save(fig, out / "roc.png"))

    fig, ax = plt.subplots(figsize=(4.6, 3.8))
    ax.plot(np.r_[c["tpr"], 0], np.r_[c["precision"], 1], "o-", ms=3, label="through the bin edges")
    ax.axhline(c["prevalence"], ls=":", color="grey", label=f"prevalence {c['prevalence']:.4f}")
    ax.plot(cm["recall"], cm["precision"], "r*", ms=11, label="operating point")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Precision-recall, {title}\nPR AUC {metrics['pr_auc']:.3f} (from raw scores)", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    written.append(_save(fig, out / "pr.png"))
    return written


def binary_from_scores(y: np.ndarray, p: np.ndarray, threshold: float, out: Path, title: str) -> list[Path]:
    """Exact ROC and precision-recall curves and the confusion matrix from the raw scores: what a
    training run draws for its own card (flood's pipeline, on the time hold-out)."""
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    out.mkdir(parents=True, exist_ok=True)
    y = np.asarray(y, dtype=int)
    pred = p >= threshold
    tp, fp = int(np.sum(pred & (y == 1))), int(np.sum(pred & (y == 0)))
    fn, tn = int(np.sum(~pred & (y == 1))), int(np.sum(~pred & (y == 0)))
    fpr, tpr, _ = roc_curve(y, p)
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(8, 3.8))
    for a in (ax, zoom):
        a.plot(fpr, tpr, "-", label="model")
        a.plot([0, 1], [0, 1], ":", color="grey", label="chance")
        a.plot(fp / max(fp + tn, 1), tp / max(tp + fn, 1), "r*", ms=11, label=f"threshold {threshold}")
        a.set_xlabel("false positive rate")
        a.set_ylabel("true positive rate")
    zoom.set_xlim(0, 0.05)
    zoom.set_title("zoom: FPR <= 0.05", fontsize=9)
    ax.set_title(f"ROC, {title}\nROC AUC {auc(fpr, tpr):.3f}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    written = [_save(fig, out / "roc.png")]
    precision, recall, _ = precision_recall_curve(y, p)
    fig, ax = plt.subplots(figsize=(4.6, 3.8))
    ax.step(recall, precision, where="post", label="model")
    ax.axhline(y.mean(), ls=":", color="grey", label=f"prevalence {y.mean():.4f}")
    ax.plot(tp / max(tp + fn, 1), tp / max(tp + fp, 1), "r*", ms=11, label=f"threshold {threshold}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(
        f"Precision-recall, {title}\nPR AUC (average precision) {average_precision_score(y, p):.3f}",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="upper right")
    written.append(_save(fig, out / "pr.png"))
    written.append(confusion_binary({"tn": tn, "fp": fp, "fn": fn, "tp": tp}, out, title))
    return written


def reliability(
    metrics: dict,
    out: Path,
    title: str,
    xlabel: str = "mean predicted probability",
    ylabel: str = "observed frequency",
) -> Path:
    """Observed against mean predicted per bin with the bins' intervals; with ``count`` in the
    calibration dict each point is labelled with its bin's size."""
    cal = metrics["calibration"]
    mp, ob = np.asarray(cal["mean_predicted"]), np.asarray(cal["observed"])
    ci = np.asarray(cal["observed_ci"])
    fig, ax = plt.subplots(figsize=(4.6, 3.8))
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.errorbar(mp, ob, yerr=[ob - ci[:, 0], ci[:, 1] - ob], fmt="o-", ms=4, capsize=2)
    for x, y, n in zip(mp, ob, cal.get("count", [])):
        ax.annotate(f"n={n}", (x, y), textcoords="offset points", xytext=(4, -10), fontsize=6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"Reliability, {title}", fontsize=9)
    return _save(fig, out / "reliability.png")


def wilson(k: np.ndarray, n: np.ndarray, z: float = 1.96) -> np.ndarray:
    """Wilson 95% interval of k successes in n trials, [len, 2]."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.stack([centre - half, centre + half], axis=1)


def multiclass_from_scores(
    y: np.ndarray, probs: np.ndarray, classes: list[str], out: Path, title: str, bins: int = 15
) -> tuple[list[Path], dict]:
    """Exact one-vs-rest ROC and precision-recall curves per class (AUC / average precision in the
    legend) and the reliability diagram of the top-class probability over ``bins`` equal-width
    bins (the image card's ECE), from per-sample class probabilities. Returns the files and the
    figures' numbers."""
    from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve, precision_recall_curve

    out.mkdir(parents=True, exist_ok=True)
    y, probs = np.asarray(y, dtype=int), np.asarray(probs, dtype=float)
    summary: dict = {"n": int(len(y)), "per_class": {}}
    fig_roc, (ax, zoom) = plt.subplots(1, 2, figsize=(8, 3.8))
    fig_pr, (pax, pzoom) = plt.subplots(1, 2, figsize=(8, 3.8))
    for c, name in enumerate(classes):
        t, s = (y == c).astype(int), probs[:, c]
        roc_auc, ap = float(roc_auc_score(t, s)), float(average_precision_score(t, s))
        summary["per_class"][name] = {"roc_auc": round(roc_auc, 5), "average_precision": round(ap, 5)}
        fpr, tpr, _ = roc_curve(t, s)
        precision, recall, _ = precision_recall_curve(t, s)
        for a in (ax, zoom):
            a.plot(fpr, tpr, "-", lw=1.2, label=f"{name} (AUC {roc_auc:.5f})")
        for a in (pax, pzoom):
            a.step(recall, precision, where="post", lw=1.2, label=f"{name} (AP {ap:.5f})")
    for a in (ax, zoom):
        a.plot([0, 1], [0, 1], ":", color="grey", label="chance")
        a.set_xlabel("false positive rate")
        a.set_ylabel("true positive rate")
    zoom.set_xlim(0, 0.05)
    zoom.set_ylim(0.8, 1.005)
    zoom.set_title("zoom: FPR <= 0.05, TPR >= 0.8", fontsize=9)
    ax.set_title(f"ROC one-vs-rest, {title}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    written = [_save(fig_roc, out / "roc.png")]
    prevalence = float(np.mean(y == 0))
    for a in (pax, pzoom):
        a.axhline(prevalence, ls=":", color="grey", label=f"prevalence {prevalence:.2f} (each class)")
        a.set_xlabel("recall")
        a.set_ylabel("precision")
    pax.set_xlim(0, 1.02)
    pax.set_ylim(0, 1.02)
    pzoom.set_xlim(0.8, 1.005)
    pzoom.set_ylim(0.8, 1.005)
    pzoom.set_title("zoom: recall and precision >= 0.8", fontsize=9)
    pax.set_title(f"Precision-recall one-vs-rest, {title}", fontsize=9)
    pax.legend(fontsize=7, loc="lower left")
    written.append(_save(fig_pr, out / "pr.png"))

    from .image.evaluate import expected_calibration_error  # the card's ECE, its bins and its table

    ece, table = expected_calibration_error(probs, y, bins)
    mp, ob, count = (np.array([r[key] for r in table]) for key in ("confidence", "accuracy", "count"))
    hits = np.rint(ob * count)  # accuracy is rounded to 4 decimals, count <= 10^4: exact
    summary["ece"] = round(float(ece), 4)
    summary["bins"] = bins
    summary["accuracy"] = round(float(np.mean(probs.argmax(1) == y)), 4)
    cal = {"mean_predicted": mp, "observed": ob, "observed_ci": wilson(hits, count), "count": count}
    written.append(
        reliability(
            {"calibration": cal},
            out,
            f"{title}\ntop-class probability, {bins} equal-width bins (non-empty shown)"
            f"\nECE {summary['ece']:.4f}",
            xlabel="mean top-class probability in the bin",
            ylabel="accuracy in the bin (Wilson 95% CI)",
        )
    )
    return written, summary


REPO = Path(__file__).resolve().parents[2]


def image_test_split(meta: dict) -> tuple[np.ndarray, np.ndarray]:
    """The exact test split a synthetic image version was evaluated on, regenerated from its
    recorded config: images uint8 [N, H, W, 3] and labels [N]."""
    from .image.generator import generate, stack

    cfg = meta["lineage"]["config"]
    classes = tuple(cfg["classes"])
    if list(classes) != meta["classes"] or meta["lineage"]["data"].get("kind") != "synthetic":
        raise SystemExit("--image-test needs a synthetic image version whose config lists its classes")
    n = int(cfg["data"]["test_per_class"]) * len(classes)
    scenes = generate(n, int(cfg["seed"]), "test", int(cfg["image_size"]), classes=classes)
    return stack(scenes, classes)


def image_scores(folder: Path, images: np.ndarray) -> np.ndarray:
    """Class probabilities of ``folder``'s served model.onnx on ``images``, through onnxruntime-node
    (training/scripts/image-scores.ts) on the float32 tensors of image/data.py ``normalise``."""
    from .image.data import normalise

    env = dict(os.environ, PATH=f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    with tempfile.TemporaryDirectory() as tmp:
        inputs, scores = Path(tmp) / "inputs.f32", Path(tmp) / "scores.json"
        with inputs.open("wb") as f:
            for i in range(0, len(images), 250):
                f.write(normalise(images[i : i + 250]).astype("<f4").tobytes())
        subprocess.run(
            [
                "node",
                "--import",
                "tsx",
                "training/scripts/image-scores.ts",
                str(folder.resolve()),
                str(inputs),
                str(len(images)),
                str(scores),
            ],
            cwd=REPO,
            env=env,
            check=True,
        )
        return np.asarray(json.loads(scores.read_text())["probs"], dtype=float)


def draw_image_test(folder: Path) -> tuple[list[Path], dict]:
    """roc.png, pr.png and reliability.png of an image version from its regenerated test split and
    its served ONNX file; refuses if the confusion matrix differs from metadata's."""
    meta = json.loads((folder / "metadata.json").read_text())
    images, y = image_test_split(meta)
    if len(y) != meta["metrics"]["test"]["n"]:
        raise SystemExit(f"regenerated {len(y)} test scenes, metadata says {meta['metrics']['test']['n']}")
    probs = image_scores(folder, images)
    k = len(meta["classes"])
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (y, probs.argmax(1)), 1)
    expected = np.asarray(meta["metrics"]["test"]["confusion"]["matrix"])
    if not np.array_equal(confusion, expected):
        raise SystemExit(f"confusion from the ONNX scores\n{confusion}\ndiffers from metadata's\n{expected}")
    title = f"{meta['name']} {meta['version']}, test set (n={len(y)})"
    written, summary = multiclass_from_scores(y, probs, meta["classes"], folder / "figures", title)
    summary["confusion_matches_metadata"] = True
    summary["metadata_ece"] = meta["metrics"]["test"]["ece"]
    return written, summary


def confusion_binary(cm: dict, out: Path, title: str) -> Path:
    m = np.array([[cm["tn"], cm["fp"]], [cm["fn"], cm["tp"]]])
    return _confusion(m, ["no flood", "flood"], out, title)


def _confusion(m: np.ndarray, labels: list[str], out: Path, title: str) -> Path:
    rates = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    size = 2.2 + 0.7 * len(labels)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(
                j,
                i,
                f"{int(m[i, j])}\n{rates[i, j]:.1%}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if rates[i, j] > 0.5 else "black",
            )
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion (row-normalised), {title}", fontsize=9)
    return _save(fig, out / "confusion.png")


def draw(folder: Path, with_reliability: bool = False) -> list[Path]:
    meta = json.loads((folder / "metadata.json").read_text())
    out = folder / "figures"
    out.mkdir(exist_ok=True)
    name = f"{meta['name']} {meta['version']}"
    metrics = meta["metrics"]
    written: list[Path] = []
    if "time_holdout" in metrics:  # flood: binary
        m = dict(metrics["time_holdout"], threshold=metrics.get("threshold", {}).get("value"))
        title = f"{name}, time hold-out"
        written += roc_pr(m, out, title)
        written.append(confusion_binary(m["confusion"], out, title))
        if with_reliability or not (folder / "reliability.png").exists():
            written.append(reliability(m, out, title))
    elif "confusion" in metrics.get("test", {}):  # image: multi-class
        c = metrics["test"]["confusion"]
        written.append(
            _confusion(np.asarray(c["matrix"]), c["rows_true_cols_predicted"], out, f"{name}, test set")
        )
    else:
        raise SystemExit(f"{folder}: no figure data in metadata.json")
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--reliability", action="store_true", help="draw reliability.png even if one exists")
    ap.add_argument(
        "--image-test",
        action="store_true",
        help="image folders: also ROC, PR and reliability from the regenerated test split and model.onnx",
    )
    args = ap.parse_args(argv)
    for folder in args.folders:
        for p in draw(folder, args.reliability):
            print(p)
        if args.image_test and (folder / "metadata.json").exists():
            if json.loads((folder / "metadata.json").read_text()).get("task") == "image-classification":
                written, summary = draw_image_test(folder)
                for p in written:
                    print(p)
                print(json.dumps(summary))


if __name__ == "__main__":
    main()
