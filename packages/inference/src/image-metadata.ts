import type { ModelMetadata } from './metadata.ts';
import { readMetadata } from './registry.ts';

/**
 * What `training/cityassist_training/image` writes into an image model's metadata.json beyond the
 * common fields (training/IMAGE.md, "Serving contract").
 */
export interface ImageModelMetadata extends ModelMetadata {
  onnx: ModelMetadata['onnx'] & { outputs: { logits: string; cam: string } };
  classes: string[];
  input: {
    height: number;
    width: number;
    channels: number;
    mean: number[];
    std: number[];
  };
  outputs: { cam: { dims: (string | number)[]; bias?: number[] } };
  explanations?: { threshold?: number };
}

const isNumbers = (x: unknown, length: number): x is number[] =>
  Array.isArray(x) && x.length === length && x.every((v) => typeof v === 'number' && Number.isFinite(v));

/** Reads and checks an image model's metadata: a wrong contract stops the start, not a request. */
export async function readImageMetadata(dir: string): Promise<ImageModelMetadata> {
  const m = (await readMetadata(dir)) as Partial<ImageModelMetadata> & ModelMetadata;
  const problems: string[] = [];
  if (typeof m.onnx.outputs?.['logits'] !== 'string') problems.push('onnx.outputs.logits');
  if (typeof m.onnx.outputs?.['cam'] !== 'string') problems.push('onnx.outputs.cam');
  if (!Array.isArray(m.classes) || m.classes.length < 2 || m.classes.some((c) => typeof c !== 'string')) {
    problems.push('classes');
  }
  const input = m.input;
  if (
    !input ||
    !Number.isInteger(input.height) ||
    !Number.isInteger(input.width) ||
    input.height < 1 ||
    input.width < 1 ||
    input.channels !== 3 ||
    !isNumbers(input.mean, 3) ||
    !isNumbers(input.std, 3) ||
    input.std.some((s) => s <= 0)
  ) {
    problems.push('input (height, width, channels 3, mean[3], std[3])');
  }
  const dims = m.outputs?.cam?.dims;
  if (!Array.isArray(dims) || dims.length !== 4 || !Number.isInteger(dims[2]) || !Number.isInteger(dims[3])) {
    problems.push('outputs.cam.dims');
  }
  const threshold = m.explanations?.threshold;
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) {
    problems.push('explanations.threshold');
  }
  if (problems.length) {
    throw new Error(`${dir}/metadata.json is not an image model's: lacks or mistypes ${problems.join(', ')}`);
  }
  return m as ImageModelMetadata;
}
