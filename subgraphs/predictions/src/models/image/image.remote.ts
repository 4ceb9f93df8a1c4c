import path from 'node:path';
import { ImageModel } from '@cityassist/inference';

/**
 * The image model as this registry sees it: the reports service serves it (triage), and follows the
 * assignment kept here. Before a version's status changes, this service proves it as reports will
 * load it — the folder is the version it says, the files satisfy the contract, the ONNX file
 * reproduces torch's logits and activation maps — so a promotion that reports could not serve
 * changes nothing.
 */
export const imageRemote = {
  name: 'image' as const,
  async verify(modelsDir: string, version: string): Promise<void> {
    const model = await ImageModel.load(path.join(modelsDir, 'image', version), {
      batch: { maxBatchSize: 1, maxWaitMs: 0 },
    });
    await model.close();
  },
};
