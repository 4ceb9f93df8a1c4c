// The worker thread that owns an image model's ONNX Runtime session (see image-session.ts for why).
// Only erasable TypeScript and type-only local imports: Node can run this file with or without
// tsx's loader in the worker.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { explainBatch } from './image-explain.ts';
import type { FromWorker, ToWorker, WorkerInit } from './image-session.ts';

const port = parentPort;
if (!port) throw new Error('image-worker.ts runs only as a worker thread');
const init = workerData as WorkerInit;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/** The session, or undefined after telling the parent why it could not be opened. */
async function open(): Promise<ort.InferenceSession | undefined> {
  try {
    // As OnnxModel (session.ts): one intra-op thread; the service overlaps requests, not operators.
    const session = await ort.InferenceSession.create(init.modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    send({ type: 'ready', inputs: [...session.inputNames], outputs: [...session.outputNames] });
    return session;
  } catch (e) {
    send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
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

async function handle(session: ort.InferenceSession, message: ToWorker): Promise<void> {
  if (message.type === 'close') {
    await session.release();
    port!.close();
    return;
  }
  try {
    const started = performance.now();
    const input = join(message.inputs);
    const out = await session.run({ [init.input]: new ort.Tensor('float32', input, message.dims) });
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
      ? explainBatch(outputs[spec.logits]!, outputs[spec.cam]!, message.dims[0]!, spec)
      : undefined;
    const transfer = (explanations ?? []).map((e) => e.rgba.buffer as ArrayBuffer);
    send({ type: 'result', id: message.id, outputs, explanations, seconds }, transfer);
  } catch (e) {
    send({ type: 'error', id: message.id, message: e instanceof Error ? e.message : String(e) });
  }
}

const session = await open();
if (session) {
  // One run at a time, in arrival order: the session is not re-entered while a run is in progress.
  let queue = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    queue = queue.then(() => handle(session, message));
  });
} else {
  port.close(); // nothing left to do: the thread ends once its message is out
}
