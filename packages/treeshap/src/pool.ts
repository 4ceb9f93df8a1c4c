import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { sliceTarget, type Explanation, type TreeExplainer } from './explainer.ts';
import type { ExplainTask } from './worker.ts';

export interface ExplainerPoolOptions {
  /**
   * Worker threads; 0 explains on the calling thread. TreeSHAP is pure JavaScript, and all 470
   * zones of one query take ~60 ms of CPU: on the event loop that stalls every other request.
   */
  threads: number;
  /**
   * Batches of at most this many rows are explained on the calling thread even when workers
   * exist: for a row or two the walk (~0.1 ms a flood row) costs less than handing it to a thread
   * and back. Default 0: every batch goes to a worker.
   */
  inlineRows?: number | undefined;
}

/**
 * Explains rows of one ONNX model either in worker threads (piscina) or inline. Both read the same
 * file with the same code, so a worker's answer equals the inline one bit for bit.
 */
export class ExplainerPool {
  private readonly piscina: Piscina<ExplainTask, Float64Array> | undefined;
  private readonly inlineRows: number;

  constructor(
    private readonly onnxPath: string,
    /** The explainer on this thread: dimensions and expected values, and the inline path. */
    readonly explainer: TreeExplainer,
    options: ExplainerPoolOptions,
  ) {
    this.inlineRows = options.inlineRows ?? 0;
    if (options.threads > 0) {
      const threads = Math.min(options.threads, availableParallelism());
      this.piscina = new Piscina({
        filename: new URL('./worker.ts', import.meta.url).href,
        minThreads: threads,
        maxThreads: threads,
        // Workers get the module loaders (tsx) so they read the TypeScript source too; other flags
        // of this process (the test runner adds some) are not all valid in a worker.
        execArgv: loaderArgs(process.execArgv),
        idleTimeout: Number.POSITIVE_INFINITY,
      });
    }
  }

  get threads(): number {
    return this.piscina?.threads.length ?? 0;
  }

  /** Batches the workers have explained (none without workers). */
  get workerTasks(): number {
    return this.piscina?.completed ?? 0;
  }

  /** Explanations of target `target` for `nRows` row-major rows (NaN = missing). */
  async explain(rows: Float32Array, nRows: number, target = 0): Promise<Explanation> {
    const { nFeatures, nTargets } = this.explainer;
    if (!Number.isInteger(target) || target < 0 || target >= nTargets) {
      throw new RangeError(`target ${target} of ${nTargets}`);
    }
    // Only the trees of the asked target are walked, in the worker as inline.
    const targets = [target];
    const flat =
      this.piscina && nRows > this.inlineRows
        ? await this.piscina.run({ onnxPath: this.onnxPath, rows, nRows, targets })
        : this.explainer.explainFlat(rows, nRows, undefined, targets).flat;
    return sliceTarget(flat, nRows, nFeatures, nTargets, target);
  }

  async close(): Promise<void> {
    await this.piscina?.destroy();
  }
}

/** The `--import`/`--require`/`--loader` flags of a process's execArgv, with their values. */
export function loaderArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (/^(--import|--require|-r|--loader|--experimental-loader)$/.test(arg) && i + 1 < argv.length) {
      out.push(arg, argv[++i]!);
    } else if (/^--(import|require|loader|experimental-loader)=/.test(arg)) {
      out.push(arg);
    }
  }
  return out;
}
