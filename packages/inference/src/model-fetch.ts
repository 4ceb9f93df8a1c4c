/**
 * Model delivery from S3: every version lives under an immutable prefix
 * `s3://<bucket>/<prefix>/<name>/<version>/` with a `manifest.json` listing each file's SHA-256 and
 * size. A deployment pins the SHA-256 of that manifest (docs/deploy.md), so what a pod loads is
 * exactly what was reviewed: the manifest is checked against the pin, every file against the
 * manifest, and a version is moved into place only once all of it checks out.
 *
 *   node --import tsx packages/inference/src/model-fetch.ts digest models/flood/1.0.0
 *   node --import tsx packages/inference/src/model-fetch.ts publish --dir models/flood/1.0.0
 *   node --import tsx packages/inference/src/model-fetch.ts fetch --dest /models --model flood/1.0.0@sha256:<hex>
 *
 * S3 is reached like the reports service reaches it: MODELS_S3_BUCKET, MODELS_S3_PREFIX (default
 * `models`), S3_ENDPOINT, S3_REGION, S3_FORCE_PATH_STYLE, and S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY
 * or, without them, the SDK's default credential chain (IRSA, instance roles).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface Manifest {
  schema: 1;
  name: string;
  version: string;
  files: ManifestFile[];
}

export interface ModelRef {
  name: string;
  version: string;
  /** SHA-256 (hex) of the version's manifest.json, as pinned by the deployment. */
  sha256: string;
}

export interface ModelBucket {
  client: S3Client;
  bucket: string;
  /** Key prefix without a trailing slash, e.g. `models`. */
  prefix: string;
}

/** The local copy of a version keeps the manifest it was checked against, under this name. */
export const LOCAL_MANIFEST = '.manifest.json';
const NAME = /^[a-z][a-z0-9-]*$/;
const VERSION = /^[A-Za-z0-9][\w.-]{0,63}$/;
const HEX64 = /^[a-f0-9]{64}$/;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function checkRef(name: string, version: string) {
  if (!NAME.test(name)) throw new Error(`invalid model name ${JSON.stringify(name)}`);
  if (!VERSION.test(version) || version === 'latest') {
    throw new Error(`invalid model version ${JSON.stringify(version)} (an exact version, never "latest")`);
  }
}

/** A manifest path is relative, POSIX, normalised and stays inside its folder. */
function checkFilePath(p: string) {
  const normal = path.posix.normalize(p);
  if (
    !p ||
    p !== normal ||
    path.posix.isAbsolute(p) ||
    normal.startsWith('../') ||
    normal === '..' ||
    p.includes('\\') ||
    p.split('/').some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw new Error(`manifest path ${JSON.stringify(p)} is not a plain relative path`);
  }
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full, base)));
    else if (entry.isFile() && entry.name !== LOCAL_MANIFEST) {
      out.push(path.relative(base, full).split(path.sep).join('/'));
    }
  }
  return out;
}

/** The manifest of a local version folder, its canonical bytes and their SHA-256 (what gets pinned). */
export async function buildManifest(
  dir: string,
  ref: { name?: string; version?: string } = {},
): Promise<{ manifest: Manifest; bytes: Buffer; sha256: string }> {
  const resolved = path.resolve(dir);
  const name = ref.name ?? path.basename(path.dirname(resolved));
  const version = ref.version ?? path.basename(resolved);
  checkRef(name, version);
  const files: ManifestFile[] = [];
  for (const file of (await walk(resolved)).sort()) {
    const bytes = await readFile(path.join(resolved, file));
    files.push({ path: file, sha256: sha256(bytes), size: bytes.length });
  }
  if (files.length === 0) throw new Error(`${dir} has no files`);
  const manifest: Manifest = { schema: 1, name, version, files };
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, bytes, sha256: sha256(bytes) };
}

const keyOf = (bucket: ModelBucket, name: string, version: string, file: string) =>
  [bucket.prefix, name, version, file].filter(Boolean).join('/');

async function exists(bucket: ModelBucket, key: string): Promise<boolean> {
  try {
    await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: key }));
    return true;
  } catch (err) {
    if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
    if (err instanceof Error && err.name === 'NotFound') return false;
    throw err;
  }
}

async function getBytes(bucket: ModelBucket, key: string): Promise<Buffer> {
  const out = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
  if (!out.Body) throw new Error(`s3://${bucket.bucket}/${key} has no body`);
  return Buffer.from(await out.Body.transformToByteArray());
}

/**
 * Uploads a version folder under its immutable prefix: the files first, the manifest last (a
 * version without its manifest does not exist for `fetchModel`). Refuses a version already
 * published — a version is never overwritten; make a new one. Returns the manifest's SHA-256.
 */
export async function publishModel(
  bucket: ModelBucket,
  dir: string,
  ref: { name?: string; version?: string } = {},
): Promise<{ name: string; version: string; sha256: string }> {
  const { manifest, bytes, sha256: digest } = await buildManifest(dir, ref);
  const manifestKey = keyOf(bucket, manifest.name, manifest.version, 'manifest.json');
  if (await exists(bucket, manifestKey)) {
    throw new Error(`${manifest.name}/${manifest.version} is already published (versions are immutable)`);
  }
  for (const file of manifest.files) {
    await bucket.client.send(
      new PutObjectCommand({
        Bucket: bucket.bucket,
        Key: keyOf(bucket, manifest.name, manifest.version, file.path),
        Body: await readFile(path.join(dir, file.path)),
      }),
    );
  }
  await bucket.client.send(
    new PutObjectCommand({
      Bucket: bucket.bucket,
      Key: manifestKey,
      Body: bytes,
      ContentType: 'application/json',
      // Refused by S3 (412) when another publisher got there first.
      IfNoneMatch: '*',
    }),
  );
  return { name: manifest.name, version: manifest.version, sha256: digest };
}

/**
 * Downloads one pinned version into `<dest>/<name>/<version>/`. The manifest must hash to
 * `ref.sha256` and every file to its manifest entry; nothing is moved into place otherwise. A
 * version already present with the same manifest is kept (an init container that runs again).
 */
export async function fetchModel(
  bucket: ModelBucket,
  ref: ModelRef,
  dest: string,
): Promise<{ fetched: boolean; files: number }> {
  checkRef(ref.name, ref.version);
  if (!HEX64.test(ref.sha256)) throw new Error(`${ref.name}/${ref.version}: the pin must be 64 hex digits`);
  const target = path.join(dest, ref.name, ref.version);
  const present = await readFile(path.join(target, LOCAL_MANIFEST)).catch(() => undefined);
  if (present && sha256(present) === ref.sha256) {
    return { fetched: false, files: (JSON.parse(present.toString('utf8')) as Manifest).files.length };
  }

  const manifestBytes = await getBytes(bucket, keyOf(bucket, ref.name, ref.version, 'manifest.json'));
  const actual = sha256(manifestBytes);
  if (actual !== ref.sha256) {
    throw new Error(
      `${ref.name}/${ref.version}: manifest SHA-256 is ${actual}, the deployment pins ${ref.sha256}`,
    );
  }
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  if (manifest.schema !== 1 || manifest.name !== ref.name || manifest.version !== ref.version) {
    throw new Error(
      `${ref.name}/${ref.version}: the manifest describes ${manifest.name}/${manifest.version}`,
    );
  }
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) {
    throw new Error(`${ref.name}/${ref.version}: the manifest lists no files`);
  }

  const staging = path.join(dest, `.staging-${ref.name}-${ref.version}-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    for (const file of manifest.files) {
      checkFilePath(file.path);
      const bytes = await getBytes(bucket, keyOf(bucket, ref.name, ref.version, file.path));
      if (bytes.length !== file.size || sha256(bytes) !== file.sha256) {
        throw new Error(`${ref.name}/${ref.version}/${file.path}: content does not match its manifest`);
      }
      const out = path.join(staging, ...file.path.split('/'));
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(out, bytes);
    }
    await writeFile(path.join(staging, LOCAL_MANIFEST), manifestBytes);
    await rm(target, { recursive: true, force: true });
    await mkdir(path.dirname(target), { recursive: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { fetched: true, files: manifest.files.length };
}

/** `name/version@sha256:<hex>` (the chart's and the CLI's notation). */
export function parseModelRef(text: string): ModelRef {
  const m = /^([^/@]+)\/([^/@]+)@sha256:([a-f0-9]{64})$/.exec(text);
  if (!m) throw new Error(`${JSON.stringify(text)} is not name/version@sha256:<64 hex>`);
  checkRef(m[1]!, m[2]!);
  return { name: m[1]!, version: m[2]!, sha256: m[3]! };
}

/** The models bucket from the environment (the same S3_* settings as the reports service). */
export function modelBucketFromEnv(env: NodeJS.ProcessEnv = process.env): ModelBucket {
  const bucket = env.MODELS_S3_BUCKET;
  if (!bucket) throw new Error('MODELS_S3_BUCKET is not set');
  if (!env.S3_ACCESS_KEY_ID !== !env.S3_SECRET_ACCESS_KEY) {
    throw new Error('S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither');
  }
  const client = new S3Client({
    region: env.S3_REGION || 'us-east-1',
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    ...(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } }
      : {}),
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
  });
  return { client, bucket, prefix: (env.MODELS_S3_PREFIX ?? 'models').replace(/^\/+|\/+$/g, '') };
}

/** The command line (see the top of the file). Returns the exit code; writes JSON lines to `log`. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  log: (line: object) => void = (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
): Promise<number> {
  const [command, ...rest] = argv;
  const flag = (name: string) => {
    const values: string[] = [];
    for (let i = 0; i < rest.length; i++) if (rest[i] === name && rest[i + 1]) values.push(rest[++i]!);
    return values;
  };
  if (command === 'digest') {
    for (const dir of rest) {
      const { manifest, sha256: digest } = await buildManifest(dir);
      log({ name: manifest.name, version: manifest.version, sha256: digest });
    }
    return 0;
  }
  if (command === 'publish') {
    const bucket = modelBucketFromEnv(env);
    for (const dir of flag('--dir')) log({ msg: 'published', ...(await publishModel(bucket, dir)) });
    return 0;
  }
  if (command === 'fetch') {
    const [dest] = flag('--dest');
    if (!dest) throw new Error('fetch needs --dest <folder>');
    const refs = flag('--model').map(parseModelRef);
    if (refs.length === 0) throw new Error('fetch needs at least one --model name/version@sha256:<hex>');
    const bucket = modelBucketFromEnv(env);
    await mkdir(dest, { recursive: true });
    for (const ref of refs) {
      const started = Date.now();
      const { fetched, files } = await fetchModel(bucket, ref, dest);
      log({
        msg: fetched ? 'model fetched' : 'model already present',
        model: `${ref.name}/${ref.version}`,
        files,
        ms: Date.now() - started,
      });
    }
    const stats = await stat(dest);
    if (!stats.isDirectory()) throw new Error(`${dest} is not a folder`);
    return 0;
  }
  process.stderr.write(
    'usage: model-fetch.ts digest <dir>… | publish --dir <dir>… | fetch --dest <dir> --model name/version@sha256:<hex>…\n',
  );
  return 2;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', msg: err instanceof Error ? err.message : String(err) })}\n`,
      );
      process.exitCode = 1;
    },
  );
}
