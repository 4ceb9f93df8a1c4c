/**
 * Class probabilities of an image model version's served ONNX file on input tensors written by the
 * Python side (`cityassist_training.figures --image-test`): the exact float32 tensors training's
 * evaluation feeds its model, so no decoding or resizing stands between the two.
 *
 *   node --import tsx training/scripts/image-scores.ts <model dir> <inputs.f32> <n> <scores.json>
 *
 * <inputs.f32> is n x 3 x H x W little-endian float32 (H, W from metadata.json). The session is
 * opened as the service opens it (one thread, sequential, all graph optimisations); probabilities
 * are the served softmax of `logits` (image-explain.ts), and `gate` is the gate margin.
 */
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { softmax } from '../../packages/inference/src/image-explain.ts';

const [dir, inputs, count, output] = process.argv.slice(2);
if (!dir || !inputs || !count || !output) {
  process.stderr.write('usage: image-scores.ts <model dir> <inputs.f32> <n> <scores.json>\n');
  process.exit(2);
}
interface Metadata {
  name: string;
  version: string;
  classes: string[];
  input: { height: number; width: number };
  onnx: { file: string; input: string; outputs: { logits: string; gate?: string } };
}
const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Metadata;
const { height, width } = meta.input;
const n = Number(count);
const k = meta.classes.length;
const row = 3 * height * width;
const session = await ort.InferenceSession.create(path.join(dir, meta.onnx.file), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const logitsName = meta.onnx.outputs.logits;
const gateName = meta.onnx.outputs.gate;
const probs: number[][] = [];
const gate: number[] = [];
const fd = openSync(inputs, 'r');
try {
  const batch = 50;
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    const bytes = Buffer.alloc(rows * row * 4);
    const read = readSync(fd, bytes, 0, bytes.length, start * row * 4);
    if (read !== bytes.length) throw new Error(`${inputs}: short read at row ${start}`);
    const data = new Float32Array(rows * row);
    for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(i * 4);
    const out = await session.run({
      [meta.onnx.input]: new ort.Tensor('float32', data, [rows, 3, height, width]),
    });
    const logits = out[logitsName]!.data as Float32Array;
    for (let r = 0; r < rows; r++) probs.push(softmax(logits.subarray(r * k, (r + 1) * k)));
    const margin = gateName ? out[gateName] : undefined;
    if (margin) gate.push(...Array.from(margin.data as Float32Array));
  }
} finally {
  closeSync(fd);
  await session.release();
}
writeFileSync(
  output,
  JSON.stringify({ model: meta.name, version: meta.version, classes: meta.classes, n, probs, gate }) + '\n',
);
