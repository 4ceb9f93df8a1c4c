import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertMetadata, normaliseMetadata, type ModelMetadata } from './metadata.ts';
import { assertMetadataContract } from './serving/contract.ts';

/** Compares dotted numeric versions ("1.10.0" > "1.9.2"); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return c;
  }
  return 0;
}

/** Versions of a model under `<modelsDir>/<name>/`, oldest first. */
export async function listVersions(modelsDir: string, name: string): Promise<string[]> {
  const entries = await readdir(path.join(modelsDir, name), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(compareVersions);
}

/**
 * A served version is plain `x.y.z`. A prefixed one (`airbase-pm10-1.0.0`, `taylor-1.0.0`) is a
 * validation model trained on another place's real data to check the method: listed, promotable
 * by name, never `latest` (training/AQI.md, "Models and their names"; metadata.json says `"served": false`).
 */
export function isServedVersion(version: string): boolean {
  return /^\d+(\.\d+)*$/.test(version);
}

/**
 * A retraining candidate: `<x.y.z>-r<UTC minute>` (train.py --retrain-id; `-smoke` after it for a
 * smoke run). Trained on the city's own data, so it may serve (SHADOW, then CANARY or CHAMPION
 * by a person's promotion), but it is never `latest`: a prerelease of its config's version.
 */
export function isCandidateVersion(version: string): boolean {
  return /^\d+(\.\d+)*-r\d{12}(-smoke)?$/.test(version);
}

/** The one rule for `latest`, wherever a version is chosen: the highest served version present. */
export async function resolveVersion(modelsDir: string, name: string, version: string): Promise<string> {
  if (version !== 'latest') return version;
  const last = (await listVersions(modelsDir, name)).filter(isServedVersion).at(-1);
  if (!last) throw new Error(`no served (x.y.z) versions of model ${name} under ${modelsDir}`);
  return last;
}

export async function readMetadata(dir: string): Promise<ModelMetadata> {
  const file = path.join(dir, 'metadata.json');
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  assertMetadataContract(raw, file);
  const parsed = normaliseMetadata(raw);
  assertMetadata(parsed, file);
  return parsed;
}
