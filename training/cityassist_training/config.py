"""The one config loader of every model: a JSON file, optionally a variant of another one, optionally
shrunk for a smoke run.

**Variants.** A config may name a base config with ``"extends": "<path>"`` (relative to the file
that says it) and then holds only what differs::

    {"extends": "flood.json", "version": "1.1.0", "xgboost": {"n_estimators": 300}}

The result is ``merge(base, variant)`` with this deep-merge rule:

* an **object** in the variant is merged into the base's object of the same key, key by key, with
  the same rule, recursively;
* **anything else** (a number, string, boolean, ``null`` or an **array**) replaces the base's value
  wholesale: arrays are never concatenated or merged element by element;
* keys only in the base are kept; keys only in the variant are added. Key order is the base's,
  followed by the variant's new keys in the variant's order (so a variant of ``flood.json`` lists
  its keys exactly as ``flood.json`` does);
* a key cannot be deleted: set it to ``null`` if the model treats that as "absent";
* ``extends`` itself is removed from the result. A base may extend another config in turn; a cycle
  is an error.

**Smoke runs.** ``--smoke`` means, for every model: take the config's ``smoke`` object (after
``extends`` is resolved, so a variant inherits its base's smoke block and may override parts of
it), merge it over the config with the same rule, and append ``-smoke`` to ``version``. The
``smoke`` key never reaches the model (it is removed in full runs too), so it is not part of the
config recorded in a model's lineage. Where a smoke run writes is ``outputs.models_root``.
"""

from __future__ import annotations

import re

import copy
import json
from pathlib import Path

SMOKE_SUFFIX = "-smoke"


class ConfigError(ValueError):
    """A config that cannot be read, or whose ``extends`` chain is broken."""


def merge(base: dict, over: dict) -> dict:
    """``over`` deep-merged into a copy of ``base`` (the rule in the module docstring)."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read config {path}: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a config must be a JSON object")
    return raw


def chain(path: str | Path) -> list[Path]:
    """The files that make up a config, the given one first, then its base, its base's base, ..."""
    files: list[Path] = []
    p = Path(path).resolve()
    while True:
        if p in files:
            raise ConfigError(f"config cycle: {' -> '.join(str(f) for f in files + [p])}")
        files.append(p)
        base = _read(p).get("extends")
        if base is None:
            return files
        if not isinstance(base, str):
            raise ConfigError(f"{p}: extends must be a path (string), got {base!r}")
        p = (p.parent / base).resolve()
        if not p.is_file():
            raise ConfigError(f"{files[-1]}: extends {base!r}, which does not exist ({p})")


def resolve(path: str | Path) -> dict:
    """The config at ``path`` with its ``extends`` chain merged in (smoke block still present)."""
    cfg: dict = {}
    for p in reversed(chain(path)):
        layer = _read(p)
        layer.pop("extends", None)
        cfg = merge(cfg, layer) if cfg else layer
    return cfg


def load(path: str | Path, *, smoke: bool = False, retrain_id: str | None = None) -> dict:
    """The effective config of a run: ``extends`` resolved, then, with ``smoke``, the ``smoke``
    block merged over it and ``-smoke`` appended to ``version``; the ``smoke`` key removed.

    ``retrain_id`` (``train.py --retrain-id YYYYMMDDHHMM``, a scheduled retraining's UTC minute)
    makes the version ``<version>-r<id>``: a published version is immutable and the config fixes
    the version, so each scheduled run needs a name of its own. A prerelease of the config's
    version, it sorts before it: a candidate, promoted only by a reviewed release.
    """
    cfg = resolve(path)
    if retrain_id is not None:
        if not re.fullmatch(r"[0-9]{12}", retrain_id):
            raise ConfigError(f"--retrain-id must be the UTC minute as YYYYMMDDHHMM, got {retrain_id!r}")
        if isinstance(cfg.get("version"), str):
            cfg["version"] += f"-r{retrain_id}"
    block = cfg.pop("smoke", None)
    if smoke:
        if block is not None and not isinstance(block, dict):
            raise ConfigError(f"{path}: smoke must be an object")
        cfg = merge(cfg, block or {})
        if isinstance(cfg.get("version"), str):
            cfg["version"] += SMOKE_SUFFIX
    return cfg
