/** One input column of a tabular model, as `training/` writes it into metadata.json. */
export interface FeatureSpec {
  name: string;
  unit?: string;
  description?: string;
  /** Valid range; values outside it are flagged (see docs/models.md). */
  min?: number;
  max?: number;
  /** Training distribution, for drift detection. */
  reference?: { bins: number[]; counts: number[] };
}

/** The contract between `training/` and the serving code: `models/<name>/<version>/metadata.json`. */
export interface ModelMetadata {
  name: string;
  version: string;
  createdAt: string;
  task: string;
  onnx: {
    file: string;
    input: string;
    outputs: Record<string, string>;
    positiveClassIndex?: number;
  };
  features: FeatureSpec[];
  /** Lower probability bound of each level, e.g. {"low":0,"moderate":0.2,"high":0.5,"severe":0.8}. */
  levels?: Record<string, number>;
  threshold?: number;
  baseValue?: number;
  metrics?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * The forecasters' metadata describes the input as `{"name", "dtype", "shape", "missing"}` where
 * the classifiers write a bare name. Serving needs the name, so it is lifted into `onnx.input` and
 * the description kept as `onnx.inputSpec`; their feature histograms and ranges are read the same
 * way. Anything else passes unchanged.
 */
export function normaliseMetadata(m: unknown): unknown {
  const onnx = (m as { onnx?: { input?: unknown } } | null)?.onnx;
  const input = onnx?.input as { name?: unknown } | null | undefined;
  if (onnx && input && typeof input === 'object' && typeof input.name === 'string') {
    Object.assign(onnx, { input: input.name, inputSpec: input });
  }
  // The forecasters write each feature's training histogram as `reference_histogram` {edges,
  // counts} and its range as `valid_range`; drift and validation read `reference` and min/max.
  const features = (m as { features?: unknown } | null)?.features;
  if (Array.isArray(features)) {
    for (const f of features as Record<string, unknown>[]) {
      const h = f['reference_histogram'] as { edges?: number[]; counts?: number[] } | undefined;
      if (!f['reference'] && Array.isArray(h?.edges) && Array.isArray(h.counts)) {
        f['reference'] = { bins: h.edges, counts: h.counts };
      }
      const range = f['valid_range'] as [number, number] | undefined;
      if (Array.isArray(range) && f['min'] === undefined && f['max'] === undefined) {
        [f['min'], f['max']] = range;
      }
    }
  }
  return m;
}

export function assertMetadata(m: unknown, where: string): asserts m is ModelMetadata {
  const x = m as Partial<ModelMetadata> | null;
  const problems: string[] = [];
  if (!x || typeof x !== 'object') throw new Error(`${where}: metadata is not an object`);
  if (typeof x.name !== 'string') problems.push('name');
  if (typeof x.version !== 'string') problems.push('version');
  if (!x.onnx || typeof x.onnx.file !== 'string' || typeof x.onnx.input !== 'string') problems.push('onnx');
  if (!Array.isArray(x.features) || x.features.some((f) => typeof f?.name !== 'string')) {
    problems.push('features');
  }
  if (problems.length) throw new Error(`${where}: metadata.json lacks or mistypes ${problems.join(', ')}`);
}
