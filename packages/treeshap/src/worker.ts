import { loadTreeExplainer, type TreeExplainer } from './explainer.ts';

/** One explainer per ONNX file per worker, prepared on the first task that names it. */
const explainers = new Map<string, Promise<TreeExplainer>>();

export interface ExplainTask {
  onnxPath: string;
  rows: Float32Array;
  nRows: number;
  /** Only these targets' trees (all when absent). */
  targets?: readonly number[];
}

/** Runs in a worker thread (packages/treeshap/src/pool.ts): the flat `pred_contribs` layout. */
export default async function explain(task: ExplainTask): Promise<Float64Array> {
  let explainer = explainers.get(task.onnxPath);
  if (!explainer) {
    explainer = loadTreeExplainer(task.onnxPath);
    explainers.set(task.onnxPath, explainer);
  }
  return (await explainer).explainFlat(task.rows, task.nRows, undefined, task.targets).flat;
}
