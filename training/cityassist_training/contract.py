"""The training-serving contract: every ``metadata.json`` and ``test_vectors.json`` a model writes is
validated against the JSON Schemas in ``schema/contracts/`` (draft 2020-12) before it is written,
and ``check_model_dir`` adds the cross-file rules a schema cannot express. The service applies the
same schemas and rules when it loads a version (schema/contracts/README.md), and
``tests/test_contracts.py`` applies them to every committed ``models/*/*/``.

Needs Debian's ``python3-jsonschema`` (4.10, draft 2020-12 with ``unevaluatedProperties``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "schema" / "contracts"
METADATA_SCHEMA = SCHEMA_DIR / "metadata.schema.json"
TEST_VECTORS_SCHEMA = SCHEMA_DIR / "test-vectors.schema.json"

FORECAST_TASKS = {
    "multi-horizon-forecast",
    "multi-horizon forecast of a pollutant concentration with prediction intervals",
}
# Which test-vector shape ($defs of test-vectors.schema.json) each task must use.
VECTOR_SHAPE = {
    "binary-classification": "treeClassifier",
    "image-classification": "image",
    "image-segmentation": "segmentation",
    **{t: "forecast" for t in FORECAST_TASKS},
}


class ContractError(ValueError):
    """A metadata.json or test_vectors.json that breaks the contract; the message lists every
    violation with its JSON path."""


@lru_cache(maxsize=None)
def _validator(schema_path: Path, shape: str | None = None):
    try:
        from jsonschema import Draft202012Validator
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError(
            "the training-serving contract needs jsonschema: apt-get install -y python3-jsonschema"
        ) from e
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    if shape is not None:  # validate against one $defs shape, keeping the $defs for references
        schema = {k: v for k, v in schema.items() if k != "oneOf"} | {"$ref": f"#/$defs/{shape}"}
    return Draft202012Validator(schema)


def _errors(validator, obj) -> list[str]:
    out = []
    for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        out.append(f"{where}: {e.message[:300]}")
    return out


def metadata_errors(obj: dict) -> list[str]:
    return _errors(_validator(METADATA_SCHEMA), obj)


def test_vectors_errors(obj: dict, task: str | None = None) -> list[str]:
    shape = VECTOR_SHAPE.get(task) if task else None
    return _errors(_validator(TEST_VECTORS_SCHEMA, shape), obj)


def _raise(errors: list[str], where: str) -> None:
    if errors:
        shown = errors[:20] + ([f"... and {len(errors) - 20} more"] if len(errors) > 20 else [])
        raise ContractError(f"{where} breaks the contract ({len(errors)} problems):\n  " + "\n  ".join(shown))


def validate_metadata(obj: dict, where: str = "metadata.json") -> None:
    """Raise ContractError unless ``obj`` (the JSON-ready dict, NaN already null) is valid."""
    _raise(metadata_errors(obj), where)


def validate_test_vectors(obj: dict, where: str = "test_vectors.json", task: str | None = None) -> None:
    _raise(test_vectors_errors(obj, task), where)


def cross_errors(meta: dict, vectors: dict) -> list[str]:
    """The rules between the two files (and the model folder) that JSON Schema cannot state."""
    task = meta.get("task")
    if task in FORECAST_TASKS:
        return _forecast_cross(meta, vectors)
    if task == "binary-classification":
        return _classifier_cross(meta, vectors)
    if task == "image-classification":
        out = []
        if vectors.get("classes") != meta.get("classes"):
            out.append("test_vectors.classes differs from metadata classes")
        if vectors.get("input", {}).get("name") != meta["onnx"]["input"]:
            out.append("test_vectors.input.name differs from onnx.input")
        return out
    return []


def _classifier_cross(meta: dict, vectors: dict) -> list[str]:
    out = []
    names = [f["name"] for f in meta["features"]]
    if vectors.get("features") != names:
        out.append("test_vectors.features differs from metadata features")
    n = len(vectors["inputs"])
    for k in ("probabilities", "margins", "contribs"):
        if len(vectors[k]) != n:
            out.append(f"test_vectors.{k} must have one entry per input row")
    if any(len(r) != len(names) for r in vectors["inputs"]):
        out.append(f"test_vectors.inputs rows must have {len(names)} values")
    if any(len(r) != len(names) + 1 for r in vectors["contribs"]):
        out.append(f"test_vectors.contribs rows must have {len(names) + 1} values (bias last)")
    return out


def _forecast_cross(meta: dict, vectors: dict) -> list[str]:
    out = []
    names = [f["name"] for f in meta["features"]]
    spec, H, F = meta["feature_spec"], meta["horizons"], len(names)

    def need(ok: bool, problem: str) -> None:
        if not ok:
            out.append(problem)

    need([f["index"] for f in meta["features"]] == list(range(F)), "features: index must be 0..F-1 in order")
    need(spec["names"] == names, "feature_spec.names differs from the features' names")
    need(spec["horizons"] == H, "feature_spec.horizons differs from horizons")
    columns = spec.get("columns")
    need(columns is None or [c["name"] for c in columns] == names, "feature_spec.columns names differ")
    inp = meta["onnx"]["input"]
    need(inp["shape"] == ["N", F], f"onnx.input.shape must be ['N', {F}]")
    for k, o in meta["onnx"]["outputs"].items():
        need(o["shape"] == ["N", H], f"onnx.outputs.{k}.shape must be ['N', {H}]")
    for k in ("q_lo", "q_hi"):
        need(len(meta["intervals"][k]) == H, f"intervals.{k} must have {H} values")
    need(len(meta["metrics"]["test"]["per_horizon"]) == H, f"metrics.test.per_horizon must have {H} rows")
    need(vectors["feature_names"] == names, "test_vectors.feature_names differs from metadata features")
    need(vectors["input"] == inp["name"], "test_vectors.input differs from onnx.input.name")
    need(all(len(r) == F for r in vectors["inputs"]), f"test_vectors.inputs rows must have {F} values")
    for k, m in vectors["expected"].items():
        need(k in meta["onnx"]["outputs"], f"test_vectors.expected.{k} is not an ONNX output")
        need(k in vectors["tolerance"], f"test_vectors.tolerance has no entry for {k}")
        shape_ok = len(m) == len(vectors["inputs"]) and all(len(r) == H for r in m)
        need(shape_ok, f"test_vectors.expected.{k} must be [rows][{H}]")
    for i, w in enumerate(vectors["windows"]):
        feats = w["features"]
        need(feats is None or len(feats) == F, f"test_vectors.windows[{i}].features must have {F} values")
        row = w.get("input_row")
        need(
            row is None or (feats is not None and row < len(vectors["inputs"])),
            f"test_vectors.windows[{i}].input_row must index a row of inputs (and features not be null)",
        )
        if row is not None and feats is not None and row < len(vectors["inputs"]):
            same = all(
                (a is None and b is None)
                or (a is not None and b is not None and abs(a - b) <= 1e-5 * max(1.0, abs(b)))
                for a, b in zip(vectors["inputs"][row], feats)
            )
            need(same, f"test_vectors.windows[{i}].features differ from inputs[{row}]")
        need(
            len(w["readings"]) == spec["history_steps"],
            f"windows[{i}].readings must have history_steps values",
        )
        temps = w.get("temperatures")
        need(
            temps is None or len(temps) == spec["history_steps"], f"windows[{i}].temperatures: history_steps"
        )
    return out


def check_model_dir(path: str | Path) -> list[str]:
    """Every contract problem of one ``models/<name>/<version>/`` folder (empty list: valid)."""
    d = Path(path)
    problems: list[str] = []
    try:
        meta = json.loads((d / "metadata.json").read_text(encoding="utf-8"))
        vectors = json.loads((d / "test_vectors.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        return [f"cannot read: {e}"]
    problems += [f"metadata.json {e}" for e in metadata_errors(meta)]
    problems += [f"test_vectors.json {e}" for e in test_vectors_errors(vectors, meta.get("task"))]
    if problems:
        return problems
    if meta.get("name") != d.parent.name or meta.get("version") != d.name:
        said = f"{meta.get('name')}/{meta.get('version')}"
        problems.append(f"metadata name/version {said} != folder {d.parent.name}/{d.name}")
    if not (d / meta["onnx"]["file"]).is_file():
        problems.append(f"onnx.file {meta['onnx']['file']} is not in the folder")
    return problems + cross_errors(meta, vectors)
