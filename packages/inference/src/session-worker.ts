// The piscina task that owns a model's ONNX Runtime session in a worker thread (worker-session.ts
// says why). Each task carries what opening the session needs, so a thread that replaced a dead one
// reopens it on its first task.
import * as ort from 'onnxruntime-node';
import { explainBatch } from './image-explain.ts';
import type { WorkerInit, WorkerRunResult } from './worker-session.ts';

/** Open the session (no inputs), or run one batch given as consecutive slices. */
export interface SessionTask {
  init: WorkerInit;
  inputs?: Float32Array[];
  dims?: number[];
}

export type SessionTaskResult = { inputs: string[]; outputs: string[] } | WorkerRunResult;

let session: { path: string; opened: Promise<ort.InferenceSession> } | undefined;

function open(init: WorkerInit): Promise<ort.InferenceSession> {
  if (session?.path !== init.modelPath) {
    // As OnnxModel (session.ts): one intra-op thread; the service overlaps requests, not operators.
    const opened = ort.InferenceSession.create(init.modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    session = { path: init.modelPath, opened };
    opened.catch(() => (session = undefined));
  }
  return session.opened;
}

function join(inputs: Float32Array[]): Float32Array {
  if (inputs.length === 1) return inputs[0]!;
  const out = new Float32Array(inputs.reduce((n, x) => n + x.length, 0));
  let offset = 0;
  for (const x of inputs) {
    out.set(x, offset);
    offset += x.length;
  }
  return out;
}

export default async function run(task: SessionTask): Promise<SessionTaskResult> {
  const s = await open(task.init);
  if (!task.inputs || !task.dims) return { inputs: [...s.inputNames], outputs: [...s.outputNames] };
  const { init, dims } = task;
  const started = performance.now();
  const out = await s.run({ [init.input]: new ort.Tensor('float32', join(task.inputs), dims) });
  const seconds = (performance.now() - started) / 1000;
  const outputs: Record<string, Float32Array> = {};
  for (const name of init.outputs) {
    const tensor = out[name];
    if (!tensor) throw new Error(`the model returned no output ${name}`);
    // Labels come back as int64: as float32 they cross the thread like every other output.
    outputs[name] =
      tensor.data instanceof Float32Array
        ? tensor.data
        : Float32Array.from(tensor.data as ArrayLike<number | bigint>, Number);
  }
  const spec = init.explain;
  const explanations = spec
    ? explainBatch(outputs[spec.logits]!, outputs[spec.cam]!, dims[0]!, spec)
    : undefined;
  return { outputs, explanations, seconds };
}
