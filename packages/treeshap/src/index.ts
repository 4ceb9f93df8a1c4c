export {
  loadTreeExplainer,
  TreeExplainer,
  type Explanation,
  type ExplainerOptions,
  type Rows,
} from './explainer.ts';
export { ensembleFromOnnx, LEAF_HITRATES_KEY, Mode, type Ensemble, type ModeName } from './ensemble.ts';
export { readOnnxModel } from './onnx.ts';
export { ExplainerPool, loaderArgs, type ExplainerPoolOptions } from './pool.ts';
