import { readTestVectors } from './serving/test-vectors.ts';

/** A float32 tensor as training writes it into test_vectors.json. */
interface Encoded {
  dims: number[];
  base64: string;
}

/** What `training/cityassist_training/image` writes: photos, their tensors, torch's outputs. */
export interface ImageTestVectors {
  tolerance: number;
  input: Encoded;
  expected: { logits: { values: number[][] }; cam: Encoded };
}

/** Copied: Buffer slices need not be 4-byte aligned for a Float32Array view. */
export const floatsOf = (b64: string) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);

/**
 * Runs an image model version's own test vectors (torch's logits and class activation maps,
 * written at training time) and throws when ONNX Runtime disagrees beyond the file's tolerance: a
 * broken export never triages a photo, as a tabular model's never scores a zone. A version without
 * test_vectors.json does not serve. Returns how many images were checked.
 */
export async function verifyImageTestVectors(
  dir: string,
  task: string,
  infer: (input: Float32Array, rows: number) => Promise<{ logits: Float32Array; cam: Float32Array }>,
): Promise<number> {
  const vectors = (await readTestVectors(dir, task)) as ImageTestVectors;
  const rows = vectors.input.dims[0]!;
  const out = await infer(floatsOf(vectors.input.base64), rows);
  const worst = (expected: ArrayLike<number>, got: Float32Array) => {
    if (expected.length !== got.length) return Number.POSITIVE_INFINITY;
    let w = 0;
    for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs(expected[i]! - got[i]!));
    return w;
  };
  const logits = worst(vectors.expected.logits.values.flat(), out.logits);
  const cams = worst(floatsOf(vectors.expected.cam.base64), out.cam);
  if (!(logits <= vectors.tolerance && cams <= vectors.tolerance)) {
    throw new Error(
      `${dir}: ONNX Runtime differs from torch on the test vectors (logits by ${logits}, CAMs by ${cams}; tolerance ${vectors.tolerance})`,
    );
  }
  return rows;
}
