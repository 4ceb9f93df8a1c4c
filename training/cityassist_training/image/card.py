"""MODEL_CARD.md for the image model, in the sections of Mitchell et al. (2019), from the run's
metadata and evaluation report (so every figure in the card is the one the run measured)."""

from __future__ import annotations


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _ci(ci) -> str:
    return f"[{_pct(ci[0])}, {_pct(ci[1])}]"


def _robustness_table(rob: dict) -> list[str]:
    lines = [
        "| condition | n | accuracy [95% CI] | macro-F1 | ECE | mean confidence | pointing game |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rob["conditions"] + rob["shifts"]:
        lines.append(
            f"| {r['condition']} | {r['n']} | {_pct(r['accuracy'])} {_ci(r['accuracy_ci95'])} |"
            f" {r['macro_f1']:.3f} | {r['ece']:.3f} | {_pct(r['mean_confidence'])} |"
            f" {_pct(r['pointing_game'])} |"
        )
    return lines


def _recall_table(rob: dict, classes: list[str]) -> list[str]:
    lines = [
        "| condition | " + " | ".join(f"recall {c}" for c in classes) + " |",
        "|---" * (len(classes) + 1) + "|",
    ]
    for r in rob["conditions"] + rob["shifts"]:
        lines.append(f"| {r['condition']} | " + " | ".join(_pct(r["recall"][c]) for c in classes) + " |")
    return lines


def _n(c: dict) -> str:
    return f"{c['n']}/{c['of']} ({_pct(c['n'] / max(1, c['of']))})"


def _ood_section(meta: dict, report: dict) -> list[str]:
    """What changed in a gated version and why, with the figures of this run (issue 17 part 4)."""
    o, m = report["ood"], report["metrics"]
    b = o.get("baseline")
    classes = meta["classes"]
    out = [f"## What changed in {meta['version']} and why\n"]
    out.append(
        "Through the serving code, 1.0.0 gave a confident (>= 0.6) pothole, garbage or fallen-tree label to"
        " real photos that are not street scenes; a cat photo became a HIGH-priority fallen tree (issue 17"
        ' part 4). A softmax over street classes cannot say "none of these". This version:\n'
    )
    out.append(
        "- **adds an out-of-distribution gate** computed in the same ONNX call as the scores:"
        " class-conditional"
        " Mahalanobis distances with a tied covariance on the globally pooled features of two layers (after"
        " stage 3, 64 channels; last conv, 96 channels), fitted on the synthetic training scenes, plus the"
        " energy score -logsumexp of the calibrated logits; each standardised on the synthetic validation"
        f" scenes and summed. The threshold is the {_pct(o['gate']['tpr_target'])} quantile of that sum on"
        f" validation ({o['gate']['threshold']:.3f}); no real photo chose anything. Output `gate`"
        " is the margin"
        " (>= 0 accepted) and, since the same number is added to every logit of log_softmax,"
        " logsumexp(`logits`)"
        " equals it while the softmax is unchanged. A refused photo is served as label `unknown`,"
        " needs review,"
        " and the citizen's category sets the priority;"
    )
    oe = report["data"].get("outliers", {})
    out.append(
        f"- **trains with outlier exposure**: {oe.get('count', 0)} images that are not street scenes"
        f" ({oe.get('procedural', 0)} procedural textures, {oe.get('from_images', 0)} crops of the FIT images"
        " below) are pushed towards a uniform softmax (weight"
        f" {meta['lineage']['config']['train'].get('outlier_weight')},"
        f" {meta['lineage']['config']['train'].get('outlier_batch')}"
        " per batch);"
    )
    if "flooding" in classes:
        out.append(
            "- **adds a `flooding` class** (citizens file flooding reports): standing water"
            " across the street.\n"
        )
    rows = [
        "| target | 1.0.0 (same run) | " + meta["version"] + " |",
        "|---|---|---|",
        (
            "| real non-street photos (skimage, held out) given a street label >= 0.6 — target <= 5 % | "
            + (_n(b["street_labelled"]) if b else "n/a")
            + f" | **{_n(o['street_labelled'])}**"
            + f" (without the gate: {_n(o['street_labelled_without_gate'])}) |"
        ),
        (
            "| held-out LFW faces (same set as the FIT faces) given a street label >= 0.6 | "
            + (_n(b["lfw_held_out_street_labelled"]) if b else "n/a")
            + f" | {_n(o['lfw_held_out_street_labelled'])} |"
        ),
        (
            f"| held-out synthetic test scenes passing the gate — target >= 95 % | 100 % (no gate) |"
            f" **{_pct(o['synthetic']['test']['pass_rate'])}** of {o['synthetic']['test']['n']} |"
        ),
    ]
    for sh in o["synthetic"]["shifts"]:
        acc = (
            f"; accuracy {_pct(sh['accuracy'])} on all, {_pct(sh['accuracy_accepted'])} on those it accepts"
            if "accuracy" in sh
            else ""
        )
        rows.append(
            f"| gate pass rate, shifted scenes ({sh['style']['lighting']},"
            f" {sh['style']['surface']}) | 100 % |"
            f" {_pct(sh['pass_rate'])} of {sh['n']}{acc} |"
        )
    if b:
        rows.append(
            f"| test accuracy on the {b['n_on_its_classes']} test scenes of 1.0.0's four classes |"
            f" {_pct(b['test_accuracy_on_its_classes'])} | {_pct(b['new_accuracy_on_those_classes'])} |"
        )
    rows.append(
        f"| test accuracy, all {len(classes)} classes ({m['n']} scenes) | n/a |"
        f" {_pct(m['accuracy'])} {_ci(m['accuracy_ci95'])} |"
    )
    if "flooding" in classes:
        f = m["per_class"]["flooding"]
        rows.append(
            f"| flooding: recall / precision / F1 | n/a (no class) | {_pct(f['recall'])} /"
            f" {_pct(f['precision'])} /"
            f" {f['f1']:.3f} |"
        )
    at = o["auto_triage"]
    rows.append(
        f"| test scenes moved to TRIAGED without a person (gate accepts, confidence >= {at['confidence']},"
        f" citizen chose the true category) | n/a | {_pct(at['share_of_test'])} |"
    )
    out += rows
    out.append("")
    out.append(f"Per-class gate pass rate on the test scenes: {o['synthetic']['test']['per_class']}.\n")
    if o["synthetic"]["shifts"]:
        out.append(
            "**Limitation.** The training scenes are all daylight asphalt streets (as for 1.0.0), so the gate"
            " also refuses many scenes of the shifted styles above (night, concrete, red asphalt): they are"
            " outside the training distribution too (the rows give the model's accuracy on all of them and"
            " on those the gate accepts). Those reports are not lost: they get label `unknown`, wait for"
            " review, and the citizen's category sets the priority. Training on more styles (or on real"
            " labelled photos) is the way to accept them.\n"
        )
    out.append("### Real images, and what each was used for\n")
    imgs = o["images"]
    out.append(
        f"Source: {imgs['source']}. Photos that need a download (pooch) are not on the machine and"
        " not used.\n"
    )
    out.append(
        "- **Evaluation only (never used in training or fitting the gate):** "
        + ", ".join(imgs["evaluation"])
        + "."
    )
    out.append(
        "- **Fitting (outlier exposure in training, crops and augmentations):** "
        + ", ".join(imgs["fitting"])
        + "."
    )
    out.append("- **Not used:** " + ", ".join(imgs["never_used"]) + ".\n")
    out.append("Each evaluation photo counts once (no crops or rotations of it are scored):\n")
    out.append(
        "| image | 1.0.0 label (confidence) | "
        + meta["version"]
        + " top class (confidence) | gate margin | served label | street label >= 0.6 (1.0.0 → "
        + meta["version"]
        + ") |"
    )
    out.append("|---|---|---|---|---|---|")
    old = {r["image"]: r for r in (b["real_photos"] if b else [])}
    for r in o["real_photos"]:
        ob = old.get(r["image"])
        out.append(
            f"| {r['image']} | {ob['top'] + ' (' + format(ob['confidence'], '.2f') + ')' if ob else 'n/a'} |"
            f" {r['top']} ({r['confidence']:.2f}) | {r['gate_margin']:.2f} | {r['served_label']} |"
            f" {('yes' if ob['street_label'] else 'no') if ob else 'n/a'} →"
            f" {'yes' if r['street_label'] else 'no'} |"
        )
    out.append("")
    if report.get("duration_s") is not None:
        out.append(
            "The whole run (generation, training, gate, evaluation, export) took"
            f" {report['duration_s'] / 60:.1f}"
            " minutes on one CPU thread.\n"
        )
    return out


def render(meta: dict, report: dict) -> str:
    m = report["metrics"]
    classes = meta["classes"]
    loc = report["cam_localisation"]
    rob = report["robustness"]
    synthetic = report["data"]["kind"] == "synthetic"
    inp = meta["input"]
    out: list[str] = []
    w = out.append

    w(f"# Model card: {meta['name']} {meta['version']} (image triage CNN)\n")
    if synthetic:
        w(
            "> **Trained and evaluated on synthetic scenes only.** There is no labelled street-photo set on"
            " the machines this was built on, so every image the model has seen was drawn by a procedural"
            " generator (`training/cityassist_training/image/generator.py`). **The model is not validated on"
            " real photos.** The figures below measure how well it separates the generator's classes, not how"
            " it will do on citizens' photos; treat it as a plumbing-complete placeholder until it has been"
            " evaluated on, and most likely retrained with, a labelled sample of real reports (`train.py"
            " image --data-dir`).\n"
        )
    else:
        w(
            f"> Trained on the labelled folder `{report['data']['path']}` (sha256"
            f" {report['data']['sha256'][:16]}...). Figures are on a held-out stratified split of that"
            " folder.\n"
        )

    if report.get("ood"):
        out.extend(_ood_section(meta, report))

    w("## Model details\n")
    w(
        f"- **Name / version:** `{meta['name']}` {meta['version']}, created {meta['createdAt']} (fixed in the"
        " config)."
    )
    w(
        f"- **Type:** convolutional network, {meta['framework']['parameters']:,} parameters:"
        f" {meta['framework']['architecture']}; a global-average-pool + linear head, so the class activation"
        " maps are exact (CAM_c = sum_k w_ck A_k; logit_c = mean(CAM_c) + b_c) and equal Grad-CAM at that"
        " layer up to a positive factor."
    )
    w(
        f"- **Input:** `image` float32 [N, 3, {inp['height']}, {inp['width']}] (NCHW, RGB). {inp['resize']}. "
        f"Then `(pixel / 255 - mean) / std` with mean {inp['mean']} and std {inp['std']}."
    )
    cam = meta["outputs"]["cam"]
    w(
        f"- **Outputs:** `logits` [N, {len(classes)}] over {classes} (calibrated: temperature"
        f" {meta['calibration']['temperature']} folded into the head); `cam` [N, {len(classes)},"
        f" {cam['dims'][2]}, {cam['dims'][3]}] (stride {cam['stride']} px). The heatmap and bounding region"
        " recipes are in `metadata.json` → `explanations`."
    )
    w(
        f"- **Training:** torch {meta['framework']['torch']}, AdamW + one-cycle schedule,"
        f" {meta['lineage']['config']['train']['epochs']} epochs, seed {meta['lineage']['seed']},"
        f" {meta['framework']['threads']} CPU thread, deterministic algorithms; exported with"
        " `torch.onnx.export`, opset 13, dynamic batch axis."
    )
    w(
        "- **Code version:** image package sha256"
        f" `{meta['lineage']['code_version']['image_code_sha256'][:16]}`; config sha256"
        f" `{meta['lineage']['config_sha256'][:16]}`."
    )
    w("- **Licence:** as the repository (MIT). **Contact:** the CityAssist data-science owners.\n")

    w("## Intended use\n")
    w(
        "- **Primary use:** *ordering* the queue of citizen reports that come with a photo: suggest a"
        " category (pothole, garbage, fallen tree, other) and a priority, and show the heatmap so a city"
        " worker can see what the suggestion rests on. A person confirms every report; the model's output is"
        " a suggestion."
    )
    w("- **Users:** the reports service (issue 5) and the city staff who triage reports.")
    w(
        "- **Out of scope:** rejecting or closing reports automatically; any decision about people;"
        " identifying people, vehicles or places; photos that are not of a street (the `other` class is a"
        " catch-all, not a detector of irrelevant images"
        + (
            "; from 1.1.0 the out-of-distribution gate above refuses most of them, which is a check, not"
            " a guarantee"
            if report.get("ood")
            else ""
        )
        + "); safety-critical alerts (a fallen tree blocking a road must not wait for this model).\n"
    )

    w("## Factors\n")
    w(
        "- **Groups / instrumentation:** phone cameras differ in exposure, blur, noise and compression; the"
        " generator varies exposure (x0.7-1.25), tint, blur (sigma 0-1), noise (sigma 0.005-0.03), JPEG"
        " quality 35-95 and camera tilt (+-8 degrees) / zoom, and the robustness table stresses each further."
    )
    w(
        "- **Environment:** day versus night, road surface (dark asphalt in training; concrete and red"
        " asphalt as shifts), object size and distance, hard negatives in the scene (manhole covers, puddles,"
        " parked cars, shadows, standing trees, litter bins, scattered leaves)."
    )
    w(
        "- **Not covered:** real photos, rain, snow, motion blur, people in the frame, close-ups, unusual "
        "viewpoints (from a car, from above), regional road and bin designs.\n"
    )

    w("## Metrics\n")
    w(
        "- Accuracy and macro-F1 with percentile bootstrap 95% intervals (test images resampled); per-class"
        " precision and recall (with intervals), because the classes have different costs: a missed fallen"
        " tree (low recall) costs more than a garbage report misfiled as a pothole."
    )
    w(
        "- Calibration: expected calibration error (15 equal-width bins of the top probability), before and"
        " after temperature scaling, because the service turns confidence into priority."
    )
    w(
        "- CAM localisation on images with an object, using the true class's CAM: the **pointing game** (the"
        " CAM's peak lies inside the object's box; strict, and with a margin of one 8-px CAM cell) and the"
        f" **IoU** of the CAM region's box (threshold {loc.get('threshold', 0.5)} x max, connected component"
        " around the peak) with the object's box, against two baselines: the image centre as the peak and"
        " the whole image as the box.\n"
    )

    w("## Evaluation data\n")
    if synthetic:
        cnt = report["data"]["counts"]
        w(
            f"- **Test:** {cnt['test']} generated scenes ({report['data']['per_class']['test']} per class)"
            " from an independent random stream (split code 2 in the seed sequence), never seen in training"
            " or validation."
        )
        w(
            f"- **Shifted distributions:** {len(rob['shifts'])} sets of generated scenes with night lighting"
            " or a different road surface (never in training)."
        )
        if rob.get("windows"):
            win = rob["windows"]
            w(
                "- **Seed windows** (the image analogue of a backtest over historical windows):"
                f" {len(win['accuracy'])} further independent test sets of {win['n_each']} scenes from other"
                " seeds."
            )
        w(
            f"- **Perturbations:** the first {rob['subset']} test scenes, corrupted as listed in the"
            " robustness table.\n"
        )
    else:
        w(
            f"- A stratified {report['data']['split']['test']}-image held-out split of the folder;"
            f" perturbations on {rob['subset']} of them. No boxes, so no CAM localisation.\n"
        )

    w("## Training data\n")
    if synthetic:
        w(
            f"- {report['data']['counts']['train']} generated scenes"
            f" ({report['data']['per_class']['train']} per class), {report['data']['counts']['val']} more for"
            " validation (used for the per-epoch curve and the temperature)."
        )
        w(
            "- The generator (documented in `training/IMAGE.md`) draws sky and buildings, a road in"
            " perspective with kerbs, pavement and lane markings, lighting and cast shadows, camera"
            " tilt/zoom, blur, noise and JPEG artefacts, and one object: a pothole (dark irregular hole,"
            " crumbled rim, shaded far wall, cracks, sometimes water), garbage (a pile of coloured bags and"
            " boxes with loose litter) or a fallen tree (trunk, branches and leaf clusters across the road);"
            " `other` scenes have none. Hard negatives appear in every class (in 80% of `other` scenes, 45%"
            " of the rest)."
        )
        w(
            "- Augmentation during training: horizontal mirror, shifts of up to "
            f"{meta['lineage']['config']['train'].get('shift', 0)} px.\n"
        )
    else:
        d = report["data"]
        w(
            f"- Folder `{d['path']}`: {d['counts_per_class']}; {d['skipped_count']} files skipped (unreadable"
            f" or duplicates), {d['ignored_count']} ignored (not images), unknown label folders:"
            f" {d['unknown_labels'] or 'none'}.\n"
        )

    w("## Quantitative analyses\n")
    w(
        f"**Test set ({m['n']} images):** accuracy **{_pct(m['accuracy'])}** {_ci(m['accuracy_ci95'])},"
        f" macro-F1 {m['macro_f1']:.3f} [{m['macro_f1_ci95'][0]:.3f}, {m['macro_f1_ci95'][1]:.3f}], ECE"
        f" {m['ece']:.3f} (before temperature scaling {m['ece_before_temperature']:.3f}), NLL {m['nll']:.3f},"
        f" Brier {m['brier']:.3f}. Chance is {_pct(1 / len(classes))}.\n"
    )
    w("| class | precision [95% CI] | recall [95% CI] | F1 | support |")
    w("|---|---|---|---|---|")
    for c in classes:
        pc = m["per_class"][c]
        w(
            f"| {c} | {_pct(pc['precision'])} {_ci(pc['precision_ci95'])} |"
            f" {_pct(pc['recall'])} {_ci(pc['recall_ci95'])} | {pc['f1']:.3f} | {pc['support']} |"
        )
    w("\n**Confusion matrix** (rows: true class, columns: predicted):\n")
    w("| true \\ predicted | " + " | ".join(classes) + " |")
    w("|---" * (len(classes) + 1) + "|")
    for c, row in zip(classes, m["confusion"]["matrix"]):
        w(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
    w("")
    if loc.get("available"):
        a = loc["all"]
        w(f"**CAM localisation** ({a['n']} test images with an object, CAM of the true class):\n")
        tol = loc.get("tolerance_px", 8)
        w(
            f"| subset | n | pointing game [95% CI] | pointing game ±{tol} px | peak on object pixels | mean"
            f" box IoU [95% CI] | IoU >= 0.5 | baseline: centre point (±{tol} px) | baseline: whole-image box"
            " IoU |"
        )
        w("|---|---|---|---|---|---|---|---|---|")
        subsets = [("all", a)]
        if loc.get("correctly_classified"):
            subsets.append(("correctly classified", loc["correctly_classified"]))
        subsets += list(loc["per_class"].items())
        for name, s in subsets:
            w(
                f"| {name} | {s['n']} | {_pct(s['pointing_game'])} {_ci(s['pointing_game_ci95'])} | "
                f"{_pct(s['pointing_game_tolerant'])} | {_pct(s.get('peak_in_mask'))} | "
                f"{s['mean_iou']:.3f} [{s['mean_iou_ci95'][0]:.3f}, {s['mean_iou_ci95'][1]:.3f}] "
                f"| {_pct(s['iou_at_0_5'])} | {_pct(s['baseline_centre_pointing'])} "
                f"({_pct(s['baseline_centre_pointing_tolerant'])}) | {s['baseline_whole_image_iou']:.3f} |"
            )
        w("")
    else:
        w(f"**CAM localisation:** not available ({loc.get('reason')}).\n")
    w("**Robustness** (perturbations of the test subset; shifted distributions are fresh generated sets):\n")
    out.extend(_robustness_table(rob))
    w("")
    w("Per-class recall under the same conditions (where the mistakes go):\n")
    out.extend(_recall_table(rob, classes))
    w("")
    w(
        "Occluding half of the object's box and greying the bottom 30% of the image remove part or all of the"
        " object (objects lie on the ground, in the lower half), so a fall towards `other` there is partly"
        " the right answer; the other perturbations leave the object in place.\n"
    )
    if rob.get("windows"):
        win = rob["windows"]
        w(
            f"**Seed windows:** accuracy on {len(win['accuracy'])} independent test sets of"
            f" {win['n_each']} scenes: {', '.join(_pct(a) for a in win['accuracy'])} (min {_pct(win['min'])},"
            f" max {_pct(win['max'])}).\n"
        )
    if report["failures"]:
        w(
            f"**The {len(report['failures'])} worst failures** (most confident mistakes on the clean test"
            " set; PNGs in `failures/`: the image with the object's box in green and hard negatives in cyan"
            " | the predicted class's CAM with its peak circled):\n"
        )
        w("| # | true | predicted | confidence | reason | image |")
        w("|---|---|---|---|---|---|")
        for f in report["failures"]:
            reason = f["reason"].split(": ", 1)[-1]
            png = f"[{f['png']}](failures/{f['png']})" if f.get("png") else ""
            w(
                f"| {f['rank']} | {f['true']} | {f['predicted']} | {_pct(f['confidence'])} | {reason} |"
                f" {png} |"
            )
        w("")
    w("**Training curve:**\n")
    w("| epoch | train loss | train acc | val loss | val acc |")
    w("|---|---|---|---|---|")
    for h in report["history"]:
        w(
            f"| {h['epoch']} | {h['train_loss']} | {_pct(h['train_acc'])} | {h['val_loss']} |"
            f" {_pct(h['val_acc'])} |"
        )
    w("")

    w("## Ethical considerations\n")
    w(
        "- **Photos are personal data.** Citizens' photos can show faces, number plates and homes, and carry"
        " EXIF GPS; the service strips metadata before storing (issue 5). The model neither needs nor uses"
        " any of it, and its heatmap must not be used to locate people."
    )
    w(
        "- **Unequal service.** If the model does worse on the streets of some neighbourhoods (other road"
        " surfaces, older bins, more clutter, poorer lighting at night), reports from there would be ranked"
        " lower. The night and surface shifts above show that such gaps are real even on synthetic data; on"
        " real photos they are unmeasured. Monitor accuracy and priority by zone once real, human-confirmed"
        " labels exist."
    )
    w(
        "- **Automation bias.** A confident label with a plausible heatmap invites rubber-stamping; the"
        " interface should show the photo first, and confidence should never lower a report's priority below"
        " what its category alone would give.\n"
    )

    w("## Caveats and recommendations\n")
    if synthetic:
        w(
            "- **Synthetic only, not validated on real photos.** The scenes are stylised (flat facades, drawn"
            " objects); real potholes, rubbish and trees vary far more. Expect accuracy on real photos to be"
            " much lower than the synthetic figures, by an unknown amount. Before relying on it: label a few"
            " hundred real report photos per class, evaluate with `train.py image --data-dir`, and retrain on"
            " them (or on a mix)."
        )
    w(
        '- **Low confidence means "ask a person".** Route predictions below a confidence threshold (chosen on'
        " real data) to manual triage; `other` is a catch-all and its errors are the least informative."
    )
    w(
        "- **Night and unfamiliar surfaces degrade it** (see the shifts in the robustness table); so do heavy"
        " blur, strong noise, occlusion of the object and truncated images. On the synthetic test set the"
        " typical mistakes are small, blurred or noisy objects missed as `other`, and hard negatives taken"
        " for objects (parked cars and bins for garbage, shadows and puddles for potholes); the reasons"
        " column of the failure table gives them case by case."
    )
    w(
        "- **The heatmap is evidence, not a segmentation.** It shows where the class's evidence is strongest"
        f" on a {cam['dims'][2]}x{cam['dims'][3]} grid; its box is coarse (see the IoU figures) and for large"
        " objects such as trees it usually covers the leafy part only."
    )
    w(
        "- **Calibration holds only in distribution:** the temperature was fitted on synthetic validation"
        " scenes; under shift the model is over-confident (compare mean confidence and accuracy in the"
        " robustness table)."
    )
    return "\n".join(out) + "\n"
