import { readFileSync } from 'node:fs';
import { loadTreeExplainer } from './src/index.ts';
const dir = 'packages/treeshap/fixtures/';
for (const [m, x] of [['binary', 'binary'], ['binary_mixed_modes', 'binary'], ['binary_v5', 'binary'], ['regressor', 'regressor'], ['multiclass', 'multiclass']] as const) {
  const exp = JSON.parse(readFileSync(dir + x + '.expected.json', 'utf8'));
  for (const algorithm of ['fast', 'path'] as const) {
    const ex = await loadTreeExplainer(dir + m + '.onnx', { algorithm });
    const all = ex.explainAll(exp.inputs);
    let maxC = 0, maxM = 0, maxS = 0;
    exp.inputs.forEach((row: any, r: number) => {
      const mg = ex.margin(row);
      for (let t = 0; t < ex.nTargets; t++) {
        maxM = Math.max(maxM, Math.abs(mg[t]! - exp.margins[r][t]));
        const vals = [...all[t]!.values[r]!, all[t]!.bias[r]!];
        vals.forEach((v, f) => (maxC = Math.max(maxC, Math.abs(v - exp.contribs[r][t][f]))));
        maxS = Math.max(maxS, Math.abs(vals.reduce((a, b) => a + b, 0) - mg[t]!));
      }
    });
    console.log(m, algorithm, ex.nTargets, ex.nFeatures, { maxC, maxM, maxS });
  }
}
