import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { ExplainSpec, ImageExplanation } from './image-explain.ts';

/** What the worker needs to open the session (sent as workerData). */
export interface WorkerInit {
  modelPath: string;
  input: string;
  outputs: string[];
  /**
   * When set, the worker also explains each image (explainBatch) from these two outputs, so that
   * upsampling, the region search and the overlay colouring (~2 ms an image) stay off the event loop.
   */
  explain?: ExplainSpec & { logits: string; cam: string };
}

/** `inputs` are consecutive slices of the batch along the first axis; the worker joins them. */
export type ToWorker =
  { type: 'run'; id: number; inputs: Float32Array[]; dims: number[] } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; inputs: string[]; outputs: string[] }
  | { type: 'failed'; message: string }
  | {
      type: 'result';
      id: number;
      outputs: Record<string, Float32Array>;
      explanations: ImageExplanation[] | undefined;
      seconds: number;
    }
  | { type: 'error'; id: number; message: string };

export interface WorkerRunResult {
  outputs: Record<string, Float32Array>;
  /** One per image, when the session was started with `explain`. */
  explanations: ImageExplanation[] | undefined;
  /** Time of session.run inside the worker, without queueing or messaging. */
  seconds: number;
}

interface Pending {
  resolve: (result: WorkerRunResult) => void;
  reject: (error: Error) => void;
}

/**
 * An ONNX Runtime session owned by one worker thread (image-worker.ts). onnxruntime-node's
 * `session.run` is synchronous native code that only defers itself with setImmediate, so inline it
 * would hold the event loop for the whole batch (measured in image-model.ts). Inputs are transferred,
 * not copied. A worker that dies rejects the runs it held, and the next run starts a new one, so the
 * model comes back by itself; the thread is unref'd while idle and never keeps the process alive.
 */
export class ImageWorkerSession {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  private constructor(private readonly init: WorkerInit) {}

  /** Starts the worker and waits until its session is open (a bad model file fails here). */
  static async start(init: WorkerInit): Promise<ImageWorkerSession> {
    const session = new ImageWorkerSession(init);
    await session.ensure();
    return session;
  }

  /**
   * Runs one batch given as consecutive slices along the first axis (one per image, say). Takes
   * ownership of them: their buffers move to the worker thread, which joins them, so the event loop
   * neither copies nor allocates the batch (6 MB for 32 images).
   */
  async run(inputs: Float32Array[], dims: number[]): Promise<WorkerRunResult> {
    if (this.closed) throw new Error('the model is closed');
    const worker = await this.ensure();
    const id = this.nextId++;
    return new Promise<WorkerRunResult>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      const message: ToWorker = { type: 'run', id, inputs, dims };
      worker.postMessage(
        message,
        inputs.map((input) => input.buffer as ArrayBuffer),
      );
    });
  }

  /** Lets queued runs finish, releases the session and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    if (!worker) return;
    const exited = once(worker, 'exit');
    const message: ToWorker = { type: 'close' };
    worker.ref();
    worker.postMessage(message);
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private ensure(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    return new Promise<Worker>((resolve, reject) => {
      // execArgv left to its default: the worker inherits the parent's options (tsx's loader among
      // them) without the process-wide flags a test runner adds, which a Worker refuses.
      const worker = new Worker(new URL('./image-worker.ts', import.meta.url), { workerData: this.init });
      const failStart = (error: Error) => {
        worker.off('message', onReady);
        reject(new Error(`model ${this.init.modelPath}: ${error.message}`, { cause: error }));
      };
      const onError = (e: Error) => failStart(e);
      const onExit = (code: number) => failStart(new Error(`worker exited (${code}) before it was ready`));
      const onReady = (m: FromWorker) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        const missing =
          m.type === 'ready'
            ? [
                ...[this.init.input].filter((n) => !m.inputs.includes(n)),
                ...this.init.outputs.filter((n) => !m.outputs.includes(n)),
              ]
            : [];
        if (m.type !== 'ready' || missing.length) {
          void worker.terminate();
          const why = m.type === 'failed' ? m.message : `the ONNX file has no ${missing.join(', ')}`;
          reject(new Error(`model ${this.init.modelPath}: ${why}`));
          return;
        }
        worker.on('message', (msg: FromWorker) => this.settle(worker, msg));
        worker.on('error', (e: Error) => this.lost(worker, e));
        worker.on('exit', (code) => this.lost(worker, new Error(`model worker exited (${code})`)));
        worker.unref();
        this.worker = worker;
        resolve(worker);
      };
      worker.once('message', onReady);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });
  }

  private settle(worker: Worker, message: FromWorker): void {
    if (message.type !== 'result' && message.type !== 'error') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) worker.unref();
    if (message.type === 'result') {
      const { outputs, explanations, seconds } = message;
      pending.resolve({ outputs, explanations, seconds });
    } else pending.reject(new Error(`model run failed: ${message.message}`));
  }

  private lost(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }
}
