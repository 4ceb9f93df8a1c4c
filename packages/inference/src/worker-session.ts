import { loaderArgs } from '@cityassist/treeshap';
import { Piscina } from 'piscina';
import type { ExplainSpec, ImageExplanation } from './image-explain.ts';
import type { SessionTask, SessionTaskResult } from './session-worker.ts';

/** What the worker needs to open the session. */
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

export interface WorkerRunResult {
  outputs: Record<string, Float32Array>;
  /** One per image, when the session was started with `explain`. */
  explanations: ImageExplanation[] | undefined;
  /** Time of session.run inside the worker, without queueing or messaging. */
  seconds: number;
}

/**
 * An ONNX Runtime session in a worker thread of its own: the `worker` backend of every model
 * (tabular and image), on piscina — the same pool library TreeSHAP's explanations run on, so work
 * leaves the event loop one way. onnxruntime-node's `session.run` is synchronous native code, so
 * inline it holds the event loop for the whole batch (`npm run bench:backends`). One thread and
 * one task at a time per session: runs keep their order and the session is never re-entered.
 * Inputs are transferred, not copied. A thread that dies fails the run it held; piscina starts a
 * new one, which reopens the session on its next run, so the model comes back by itself. Idle
 * threads are unref'd and never keep the process alive.
 */
export class WorkerSession {
  private closed = false;

  private constructor(
    private readonly init: WorkerInit,
    private readonly pool: Piscina<SessionTask, SessionTaskResult>,
  ) {}

  /** Starts the thread and waits until its session is open (a bad model file fails here). */
  static async start(init: WorkerInit): Promise<WorkerSession> {
    const pool = new Piscina<SessionTask, SessionTaskResult>({
      filename: new URL('./session-worker.ts', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // The module loaders (tsx) so the worker reads TypeScript; not the test runner's other flags.
      execArgv: loaderArgs(process.execArgv),
    });
    try {
      const opened = await pool.run({ init });
      if (!('inputs' in opened)) throw new Error('the worker did not open the session');
      const missing = [
        ...[init.input].filter((n) => !opened.inputs.includes(n)),
        ...init.outputs.filter((n) => !opened.outputs.includes(n)),
      ];
      if (missing.length) throw new Error(`the ONNX file has no ${missing.join(', ')}`);
    } catch (err) {
      await pool.destroy();
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`model ${init.modelPath}: ${message}`, { cause: err });
    }
    return new WorkerSession(init, pool);
  }

  /**
   * Runs one batch given as consecutive slices along the first axis (one per image, say). Takes
   * ownership of them: their buffers move to the worker thread, which joins them.
   */
  async run(inputs: Float32Array[], dims: number[]): Promise<WorkerRunResult> {
    if (this.closed) throw new Error('the model is closed');
    const result = await this.pool
      .run(
        { init: this.init, inputs, dims },
        { transferList: inputs.map((input) => input.buffer as ArrayBuffer) },
      )
      .catch((err: unknown) => {
        throw new Error(`model run failed: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      });
    if (!('seconds' in result)) throw new Error('model run failed: the worker answered no outputs');
    return result;
  }

  /** Lets queued runs finish, releases the session and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}
