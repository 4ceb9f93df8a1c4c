/**
 * What test/deploy.test.ts needs to check the chart without a cluster: helm (offline, from the npm
 * layer package), the rendered manifests parsed, each validated against the Kubernetes API schemas
 * (kubernetes-models) and walked against the API's TypeScript types so an unknown field — which the
 * JSON schemas let through — is an error, as `kubectl apply --validate=strict` would make it.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument --
   rendered manifests are untyped JSON whose shape the tests themselves check (as in *.test.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { runHelm } from '../scripts/helm.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CHART = path.join(ROOT, 'helm/cityassist');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** `helm template` with these values files and inline values (as a values file); throws with helm's stderr. */
export function helmTemplate(options: { files?: string[]; values?: object } = {}): Manifest[] {
  const result = helmTemplateRaw(options);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

export function helmTemplateRaw(options: { files?: string[]; values?: object } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cityassist-values-'));
  try {
    const args = ['template', 'cityassist', CHART, '--namespace', 'city'];
    for (const f of options.files ?? []) args.push('-f', f);
    if (options.values) {
      const file = path.join(dir, 'values.json');
      writeFileSync(file, JSON.stringify(options.values));
      args.push('-f', file);
    }
    return runHelm(args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Kubernetes kinds the chart renders, by apiVersion/kind → kubernetes-models module. */
const MODELS: Record<string, string> = {
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/StatefulSet': 'kubernetes-models/apps/v1/StatefulSet',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'batch/v1/CronJob': 'kubernetes-models/batch/v1/CronJob',
};

/** Prometheus Operator kinds (CRDs, not in kubernetes-models): their known top-level spec fields. */
const CRD_SPEC_FIELDS: Record<string, string[]> = {
  'monitoring.coreos.com/v1/ServiceMonitor': ['selector', 'endpoints', 'namespaceSelector', 'jobLabel'],
  'monitoring.coreos.com/v1/PrometheusRule': ['groups'],
};

let checker: { check: (key: string, value: unknown) => string[] } | undefined;

/** A TypeScript program over the kubernetes-models interfaces; `check` lists fields the type lacks. */
function typeChecker() {
  if (checker) return checker;
  const stubFile = path.join(ROOT, 'test/__kubernetes_types__.ts');
  const entries = Object.entries(MODELS);
  const stub = entries
    .map(([, mod], i) => {
      const kind = mod.split('/').pop()!;
      return `import type { I${kind} as T${i} } from '${mod}';\nexport type K${i} = T${i};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) =>
    file === stubFile ? ts.createSourceFile(file, stub, lang) : getSourceFile(file, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === stubFile || fileExists(file);
  const program = ts.createProgram([stubFile], options, host);
  const tc = program.getTypeChecker();
  const moduleSymbol = tc.getSymbolAtLocation(program.getSourceFile(stubFile)!)!;
  const types = new Map<string, ts.Type>();
  for (const sym of tc.getExportsOfModule(moduleSymbol)) {
    types.set(entries[Number(sym.name.slice(1))]![0], tc.getDeclaredTypeOfSymbol(sym));
  }

  const walk = (value: unknown, type: ts.Type, at: string, errors: string[]) => {
    if (value === null || value === undefined) return;
    type = tc.getNonNullableType(type);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (type.isUnion()) {
      if (typeof value !== 'object') return; // IntOrString, Quantity: the JSON schema checks the value
      const objects = type.types.filter((t) => t.flags & ts.TypeFlags.Object);
      if (objects.length === 0) return;
      const attempts = objects.map((t) => {
        const e: string[] = [];
        walk(value, t, at, e);
        return e;
      });
      const best = attempts.reduce((a, b) => (b.length < a.length ? b : a));
      errors.push(...best);
      return;
    }
    if (Array.isArray(value)) {
      const element = tc.isArrayType(type) ? tc.getTypeArguments(type as ts.TypeReference)[0] : undefined;
      if (element) value.forEach((v, i) => walk(v, element, `${at}[${i}]`, errors));
      return;
    }
    if (typeof value !== 'object') return;
    const index = tc.getIndexInfoOfType(type, ts.IndexKind.String);
    for (const [key, v] of Object.entries(value)) {
      const prop = tc.getPropertyOfType(type, key);
      if (prop) walk(v, tc.getTypeOfSymbol(prop), `${at}.${key}`, errors);
      else if (index) walk(v, index.type, `${at}.${key}`, errors);
      else errors.push(`${at}.${key}: unknown field`);
    }
  };

  checker = {
    check(key, value) {
      const type = types.get(key);
      if (!type) return [`${key}: no type`];
      const errors: string[] = [];
      walk(value, type, '', errors);
      return errors;
    },
  };
  return checker;
}

/** Schema errors and unknown fields of one manifest (empty = a manifest the API server accepts). */
export async function validateManifest(m: Manifest): Promise<string[]> {
  const key = `${m.apiVersion}/${m.kind}`;
  const where = `${m.kind}/${m.metadata?.name}`;
  const crd = CRD_SPEC_FIELDS[key];
  if (crd) {
    const unknown = Object.keys(m.spec ?? {}).filter((f) => !crd.includes(f));
    const top = Object.keys(m).filter((f) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(f));
    return [...unknown, ...top].map((f) => `${where}: unknown field ${f}`);
  }
  const mod = MODELS[key];
  if (!mod) return [`${where}: ${key} is not a kind this test knows`];
  const errors: string[] = [];
  const exported = (await import(mod)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = exported[mod.split('/').pop()!]!;
  try {
    new Model(m).validate();
  } catch (err) {
    errors.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  errors.push(
    ...typeChecker()
      .check(key, m)
      .map((e) => `${where}: ${e}`),
  );
  return errors;
}

/** Every pod spec of a manifest (Deployments, CronJobs' job templates), with where it came from. */
export function podSpecs(manifests: Manifest[]): { owner: string; kind: string; spec: any }[] {
  const out: { owner: string; kind: string; spec: any }[] = [];
  for (const m of manifests) {
    if (m.kind === 'Deployment') {
      out.push({ owner: m.metadata.name, kind: m.kind, spec: m.spec.template.spec });
    }
    if (m.kind === 'CronJob') {
      out.push({ owner: m.metadata.name, kind: m.kind, spec: m.spec.jobTemplate.spec.template.spec });
    }
  }
  return out;
}
