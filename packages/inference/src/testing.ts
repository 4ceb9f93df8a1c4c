import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

/** Test fixtures for code that takes photos: the image model's own scenes, and hostile files. */

const repoRoot = path.resolve(import.meta.dirname, '../../..');

export type Scene = 'pothole' | 'garbage' | 'fallen_tree' | 'other';

/**
 * The image model's own synthetic street scenes (models/image/1.0.0/test_vectors.json), 128×128
 * RGB, as sharp pipelines: `.clone()` one and encode, resize or tag it as a test needs.
 */
export async function sceneImages(): Promise<Record<Scene, Sharp>> {
  const vectors = JSON.parse(
    await readFile(path.join(repoRoot, 'models/image/1.0.0/test_vectors.json'), 'utf8'),
  ) as { labels: string[]; pixels: { dims: number[]; base64: string } };
  const [, height, width, channels] = vectors.pixels.dims as [number, number, number, 3];
  const pixels = Buffer.from(vectors.pixels.base64, 'base64');
  const size = height * width * channels;
  const scene = (label: Scene) => {
    const i = vectors.labels.indexOf(label);
    if (i < 0) throw new Error(`no ${label} scene in the test vectors`);
    return sharp(pixels.subarray(i * size, (i + 1) * size), { raw: { width, height, channels } });
  };
  return {
    pothole: scene('pothole'),
    garbage: scene('garbage'),
    fallen_tree: scene('fallen_tree'),
    other: scene('other'),
  };
}

/** A PNG whose IHDR declares `width`×`height` pixels over a few bytes of data (a decompression bomb). */
export function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A valid JPEG that is also an HTML page: the markup sits in a comment segment (COM) right after SOI. */
export function htmlJpegPolyglot(jpeg: Buffer): Buffer {
  const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>', 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(html.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), length, html, jpeg.subarray(2)]);
}

/**
 * A models folder for a test: the repository's models, plus a copy of `from` served as version
 * `as` of the same model (its metadata says so), so canaries, shadows and promotions can be tried
 * between two versions that answer alike. Removed by `Symbol.asyncDispose`.
 */
export async function modelsWithCopy(
  name: string,
  from: string,
  as: string,
): Promise<{ dir: string } & AsyncDisposable> {
  const { cp, mkdtemp, readdir, rm, symlink, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const repoModels = path.join(repoRoot, 'models');
  const dir = await mkdtemp(path.join(tmpdir(), 'models-'));
  for (const model of await readdir(repoModels)) {
    if (model !== name) {
      await symlink(path.join(repoModels, model), path.join(dir, model));
      continue;
    }
    for (const version of await readdir(path.join(repoModels, model))) {
      await cp(path.join(repoModels, model, version), path.join(dir, model, version), { recursive: true });
    }
  }
  const copy = path.join(dir, name, as);
  await cp(path.join(repoModels, name, from), copy, { recursive: true });
  const metadata = JSON.parse(await readFile(path.join(copy, 'metadata.json'), 'utf8')) as {
    version: string;
  };
  await writeFile(path.join(copy, 'metadata.json'), JSON.stringify({ ...metadata, version: as }));
  // The drift reference names its version too (serve.ts refuses another version's reference).
  const drift = path.join(copy, 'drift_reference.json');
  const reference = await readFile(drift, 'utf8').then(
    (text) => JSON.parse(text) as Record<string, unknown>,
    () => undefined,
  );
  if (reference) await writeFile(drift, JSON.stringify({ ...reference, version: as }));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}
