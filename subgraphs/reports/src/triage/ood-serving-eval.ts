// Issue 17 part 4's figure through the serving code: every image in a folder goes the way a
// report's photo goes (ImageModel's sharp preprocessing, the ONNX session in its worker, finish(),
// then applyGate as RoutedImageClassifier does), for each version named, and the script prints
// per image the served label and whether it is a street label with confidence >= 0.6.
//
//   cd training && /usr/bin/python3 -c "from cityassist_training.image import ood; from PIL import Image;
//     [Image.fromarray(ood.skimage_photo(n)).save(f'/tmp/ood_eval/{n}.png') for n in ood.EVAL_PHOTOS]"
//   node --import tsx subgraphs/reports/src/triage/ood-serving-eval.ts /tmp/ood_eval 1.0.0 1.1.0
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageModel } from '@cityassist/inference';
import { applyGate } from './ood-gate.ts';
import { MIN_CONFIDENCE, UNKNOWN_LABEL } from './priority.ts';

const [dir, ...versions] = process.argv.slice(2);
if (!dir || !versions.length) {
  console.error('usage: ood-serving-eval.ts <image folder> <version>...');
  process.exit(2);
}
const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const files = (await readdir(dir)).filter((f) => /\.(png|jpe?g|webp)$/i.test(f)).sort();
for (const version of versions) {
  const model = await ImageModel.load(path.join(repoRoot, 'models/image', version), {
    batch: { maxBatchSize: 1, maxWaitMs: 0 },
  });
  let street = 0;
  try {
    for (const file of files) {
      const photo = await model.prepare(await readFile(path.join(dir, file)));
      const [answer] = await model.predict([photo.tensor]);
      const raw = answer!.raw;
      const c = applyGate(await model.finish(photo, raw), model.metadata, raw.logits);
      const isStreet = c.label !== 'other' && c.label !== UNKNOWN_LABEL && c.confidence >= MIN_CONFIDENCE;
      if (isStreet) street++;
      console.log(
        `${version}\t${file}\t${c.label}\t${c.confidence.toFixed(3)}\t${c.gate ? c.gate.margin.toFixed(2) : '-'}\t${isStreet ? 'STREET' : ''}`,
      );
    }
  } finally {
    await model.close();
  }
  console.log(
    `${version}: ${street}/${files.length} given a street label with confidence >= ${MIN_CONFIDENCE}`,
  );
}
