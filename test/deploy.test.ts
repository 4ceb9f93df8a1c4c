/**
 * The deployment a cluster operator reviews: the chart lints strictly, renders with the default and
 * the production values (and with every optional part on), every manifest is valid Kubernetes with
 * no unknown field, every container is locked down and probed, subgraphs are reachable only from
 * the gateway, secrets come only from the existing Secret, the values schema refuses bad values, and
 * the Dockerfile lints clean and copies what the services need. No cluster, no network.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as lintDockerfile, ValidationSeverity } from 'dockerfile-utils';
import { runHelm } from '../scripts/helm.ts';
import {
  CHART,
  helmTemplate,
  helmTemplateRaw,
  type Manifest,
  podSpecs,
  ROOT,
  validateManifest,
} from './deploy-support.ts';

const PRODUCTION = path.join(CHART, 'values-production.yaml');
/** Every optional part on: the ETL worker, a pipeline CronJob, retraining, monitoring objects. */
const EVERYTHING = {
  etlWorker: { enabled: true },
  pipelines: {
    enabled: true,
    jobs: { sensors: { schedule: '*/15 * * * *', args: ['etl/run.ts', 'submit', 'air-quality', '--wait'] } },
  },
  retraining: { enabled: true, models: ['flood', 'aqi'] },
  metrics: {
    serviceMonitor: { enabled: true },
    prometheusRule: { enabled: true },
    grafanaDashboards: { enabled: true },
  },
};
const RENDERS: Record<string, () => Manifest[]> = {
  default: () => helmTemplate(),
  production: () => helmTemplate({ files: [PRODUCTION] }),
  'production with every optional part': () => helmTemplate({ files: [PRODUCTION], values: EVERYTHING }),
};
const rendered = new Map<string, Manifest[]>();
const render = (name: string) => {
  if (!rendered.has(name)) rendered.set(name, RENDERS[name]!());
  return rendered.get(name)!;
};
const SUBGRAPHS = ['zones', 'reports', 'predictions'];
const SECRET_NAMES = [
  'GATEWAY_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
];

describe('the Helm chart', () => {
  it('passes helm lint --strict with the default and the production values', () => {
    for (const args of [[], ['-f', PRODUCTION]]) {
      const result = runHelm(['lint', '--strict', CHART, ...args]);
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    }
  });

  for (const name of Object.keys(RENDERS)) {
    it(`renders valid Kubernetes objects with no unknown field (${name} values)`, async () => {
      const manifests = render(name);
      assert.ok(manifests.length > 20, `${manifests.length} manifests`);
      const errors = (await Promise.all(manifests.map(validateManifest))).flat();
      assert.deepEqual(errors, []);
    });
  }

  it('has a Deployment, Service, HPA, PDB and NetworkPolicy for the gateway and each subgraph', () => {
    const manifests = render('default');
    for (const component of ['gateway', ...SUBGRAPHS]) {
      for (const kind of [
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'NetworkPolicy',
        'ConfigMap',
      ]) {
        assert.ok(
          manifests.some((m) => m.kind === kind && m.metadata.name === `cityassist-${component}`),
          `${kind} cityassist-${component}`,
        );
      }
    }
    const all = render('production with every optional part');
    for (const [kind, name] of [
      ['StatefulSet', 'cityassist-etl-worker'],
      ['CronJob', 'cityassist-pipeline-sensors'],
      ['CronJob', 'cityassist-retrain-flood'],
      ['ServiceMonitor', 'cityassist-predictions'],
      ['PrometheusRule', 'cityassist-alerts'],
      ['ConfigMap', 'cityassist-dashboards-api-overview'],
    ]) {
      assert.ok(
        all.some((m) => m.kind === kind && m.metadata.name === name),
        `${kind} ${name}`,
      );
    }
    // Off by default: nothing of the ETL, retraining or the Prometheus Operator.
    assert.deepEqual(
      manifests.filter(
        (m) =>
          ['CronJob', 'ServiceMonitor', 'PrometheusRule'].includes(m.kind) || m.metadata.name.includes('etl'),
      ),
      [],
    );
  });

  for (const name of Object.keys(RENDERS)) {
    it(`locks down and probes every container (${name} values)`, () => {
      const problems: string[] = [];
      for (const { owner, kind, spec } of podSpecs(render(name))) {
        const pod = spec.securityContext ?? {};
        if (pod.runAsNonRoot !== true) problems.push(`${owner}: pod runAsNonRoot`);
        if (pod.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${owner}: pod seccomp`);
        if (spec.automountServiceAccountToken !== false) {
          problems.push(`${owner}: service account token mounted`);
        }
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const at = `${owner}/${c.name}`;
          const sc = c.securityContext ?? {};
          if (sc.runAsNonRoot !== true) problems.push(`${at}: runAsNonRoot`);
          if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem`);
          if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation`);
          if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') problems.push(`${at}: capabilities`);
          if (sc.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${at}: seccomp`);
          if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) {
            problems.push(`${at}: resources`);
          }
          if (!c.volumeMounts?.some((v: any) => v.mountPath === '/tmp')) {
            problems.push(`${at}: no writable /tmp`);
          }
          // Long-running containers are probed; a Job's container and an init container run to completion.
          const runsToCompletion = kind === 'CronJob' || spec.initContainers?.includes(c);
          if (!runsToCompletion) {
            if (c.livenessProbe?.httpGet?.path !== '/health') problems.push(`${at}: liveness /health`);
            if (c.readinessProbe?.httpGet?.path !== '/ready') problems.push(`${at}: readiness /ready`);
            if (!c.startupProbe?.httpGet) problems.push(`${at}: startup probe`);
          }
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('rolls out with maxUnavailable 0 and spreads pods over zones and nodes', () => {
    for (const m of render('default').filter((x) => x.kind === 'Deployment')) {
      assert.equal(m.spec.strategy.rollingUpdate.maxUnavailable, 0, m.metadata.name);
      const keys = m.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey);
      assert.deepEqual(keys, ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      // Enough time to drain: SHUTDOWN_DELAY_MS (5 s) + the services' own 25 s bound.
      assert.ok(m.spec.template.spec.terminationGracePeriodSeconds >= 30);
    }
  });

  it('lets only the gateway reach the subgraphs (reports also calls predictions), and Prometheus the metrics port', () => {
    for (const name of ['default', 'production']) {
      const policies = render(name).filter((m) => m.kind === 'NetworkPolicy');
      for (const subgraph of SUBGRAPHS) {
        const policy = policies.find((p) => p.metadata.name === `cityassist-${subgraph}`)!;
        assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
        const [callers, prometheus] = policy.spec.ingress;
        assert.equal(policy.spec.ingress.length, 2, `${subgraph}: two rules`);
        const components = callers.from.map((f: any) => {
          assert.equal(f.namespaceSelector, undefined, 'same namespace only');
          return f.podSelector.matchLabels['app.kubernetes.io/component'];
        });
        assert.deepEqual(components, subgraph === 'predictions' ? ['gateway', 'reports'] : ['gateway']);
        assert.deepEqual(callers.ports, [{ port: 'http', protocol: 'TCP' }]);
        assert.equal(prometheus.from.length, 1);
        assert.ok(
          prometheus.from[0].namespaceSelector && prometheus.from[0].podSelector,
          'Prometheus by namespace and pod',
        );
      }
      const gateway = policies.find((p) => p.metadata.name === 'cityassist-gateway')!;
      assert.deepEqual(gateway.spec.ingress[1].ports, [{ port: 'metrics', protocol: 'TCP' }]);
      if (name === 'production') {
        assert.equal(
          gateway.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
          'ingress-nginx',
        );
      }
    }
  });

  it('takes every secret from the existing Secret by name, never from values', () => {
    for (const [name, secret] of [
      ['default', 'cityassist'],
      ['production with every optional part', 'cityassist-production'],
    ] as const) {
      const manifests = render(name);
      assert.deepEqual(
        manifests.filter((m) => m.kind === 'Secret'),
        [],
        'the chart makes no Secret',
      );
      for (const { owner, spec } of podSpecs(manifests)) {
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          for (const e of c.env ?? []) {
            if (e.valueFrom?.secretKeyRef) {
              assert.equal(e.valueFrom.secretKeyRef.name, secret, `${owner}/${c.name} ${e.name}`);
            }
            if (SECRET_NAMES.includes(e.name) || /_DATABASE_URL$/.test(e.name)) {
              assert.ok(e.valueFrom?.secretKeyRef, `${owner}/${c.name}: ${e.name} must come from the Secret`);
            }
          }
        }
        for (const v of spec.volumes ?? []) if (v.secret) assert.match(v.secret.secretName, /^cityassist/);
      }
      for (const cm of manifests.filter(
        (m) => m.kind === 'ConfigMap' && !m.metadata.name.includes('dashboards'),
      )) {
        for (const key of Object.keys(cm.data ?? {})) {
          assert.ok(!SECRET_NAMES.includes(key), `${cm.metadata.name}: ${key}`);
        }
      }
    }
    // Each service gets only the keys it needs: the subgraphs never see JWT_SECRET, zones never S3 keys.
    const deployments = render('production with every optional part').filter((m) => m.kind === 'Deployment');
    const keysOf = (n: string) =>
      deployments
        .find((d) => d.metadata.name === `cityassist-${n}`)!
        .spec.template.spec.containers[0].env.map((e: any) => e.name);
    assert.deepEqual(keysOf('zones').sort(), ['DATABASE_URL', 'GATEWAY_SECRET']);
    assert.ok(!keysOf('gateway').includes('DATABASE_URL'));
  });

  it('retrains each scheduled run into a version of its own and publishes only that one', () => {
    const job = render('production with every optional part').find(
      (m) => m.kind === 'CronJob' && m.metadata.name === 'cityassist-retrain-flood',
    )!;
    const script: string = job.spec.jobTemplate.spec.template.spec.containers[0].args[0];
    const lines = script.split('\n');
    const idLine = lines.find((l) => l.startsWith('id='))!;
    // The shell the pod runs gives the UTC minute train.py's --retrain-id accepts (12 digits).
    const id = execFileSync('/bin/sh', ['-c', `${idLine}; printf %s "$id"`], { encoding: 'utf8' });
    assert.match(id, /^\d{12}$/);
    assert.ok(
      lines.some((l) => l.includes('training/train.py flood ') && l.endsWith('--retrain-id "$id"')),
      script,
    );
    assert.ok(
      lines.some((l) => l.includes('/scratch/models/flood/*-r"$id"*/') && l.includes(' publish ')),
      script,
    );
  });

  it('pulls models from S3 by pinned SHA-256 in production, and keeps them in the image by default', () => {
    const production = render('production');
    const predictions = production.find(
      (m) => m.kind === 'Deployment' && m.metadata.name === 'cityassist-predictions',
    )!;
    const init = predictions.spec.template.spec.initContainers[0];
    assert.equal(init.name, 'fetch-models');
    assert.ok(
      init.args.includes(
        'flood/1.0.0@sha256:f67d49b0dc6ddac89c757e1d2589fe7dd191e2f1309547245f307553b13fc7fd',
      ),
    );
    const config = production.find(
      (m) => m.kind === 'ConfigMap' && m.metadata.name === 'cityassist-predictions',
    )!;
    assert.equal(config.data!.MODELS_DIR, '/models');
    const byDefault = render('default').find(
      (m) => m.kind === 'Deployment' && m.metadata.name === 'cityassist-predictions',
    )!;
    assert.equal(byDefault.spec.template.spec.initContainers, undefined);
    // Reports' photos go to the bucket; production runs with NODE_ENV=production everywhere.
    const reports = production.find(
      (m) => m.kind === 'ConfigMap' && m.metadata.name === 'cityassist-reports',
    )!;
    assert.equal(reports.data!.S3_BUCKET, 'olinda-cityassist-uploads');
    for (const cm of production.filter(
      (m) => m.kind === 'ConfigMap' && !m.metadata.name.includes('dashboards'),
    )) {
      assert.equal(cm.data!.NODE_ENV, 'production', cm.metadata.name);
    }
  });

  it('the pinned digests in values-production.yaml are those of the committed models', async () => {
    const { buildManifest } = await import('../packages/inference/src/model-fetch.ts');
    const text = readFileSync(PRODUCTION, 'utf8');
    for (const m of text.matchAll(/- name: (\w+)\n\s+version: ([\w.-]+)\n\s+sha256: ([a-f0-9]{64})/g)) {
      const { sha256 } = await buildManifest(path.join(ROOT, 'models', m[1]!, m[2]!));
      assert.equal(sha256, m[3], `${m[1]}/${m[2]}`);
    }
  });

  it('ships exactly the alert rules and dashboards of ops/ (tested there), and names scrape jobs as they expect', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
    assert.equal(read('helm/cityassist/rules/cityassist.rules.yaml'), read('ops/prometheus/rules.yml'));
    const ops = readdirSync(path.join(root, 'ops/grafana'))
      .filter((f) => f.endsWith('.json'))
      .sort();
    const chart = readdirSync(path.join(root, 'helm/cityassist/dashboards')).sort();
    assert.deepEqual(chart, ops);
    for (const f of ops) assert.equal(read(`helm/cityassist/dashboards/${f}`), read(`ops/grafana/${f}`), f);
    const all = render('production with every optional part');
    const rule = all.find((m) => m.kind === 'PrometheusRule');
    const alerts = (rule?.spec.groups as { rules: { alert?: string }[] }[])
      .flatMap((g) => g.rules.map((r) => r.alert))
      .filter(Boolean);
    assert.ok(alerts.includes('SubgraphDown') && alerts.includes('ErrorBudgetBurnFast'), alerts.join(','));
    for (const monitor of all.filter((m) => m.kind === 'ServiceMonitor')) {
      const component = monitor.metadata.name.replace(/^cityassist-/, '');
      assert.deepEqual(monitor.spec.endpoints[0].relabelings, [
        { targetLabel: 'job', replacement: component },
      ]);
    }
  });

  it('values.schema.json refuses bad values', () => {
    const bad: Record<string, object> = {
      'a typo in a key': { gateway: { replicaz: 3 } },
      'a secret in values': { zones: { env: { DATABASE_URL: 'postgres://user:pw@db/city' } } },
      'a secret in commonEnv': { commonEnv: { GATEWAY_SECRET: 'x'.repeat(40) } },
      'a port out of range': { zones: { port: 70000 } },
      'no memory limit': {
        predictions: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: null } } },
      },
      'an unknown model source': { models: { source: 'http' } },
      's3 models without a bucket': {
        models: {
          source: 's3',
          s3: { artifacts: [{ name: 'flood', version: '1.0.0', sha256: 'a'.repeat(64) }] },
        },
      },
      'an unpinned model': {
        models: {
          source: 's3',
          s3: { bucket: 'models', artifacts: [{ name: 'flood', version: '1.0.0', sha256: 'abc' }] },
        },
      },
      '"latest" as a pinned version': {
        models: {
          source: 's3',
          s3: { bucket: 'models', artifacts: [{ name: 'flood', version: 'latest', sha256: 'a'.repeat(64) }] },
        },
      },
      'an image digest that is not one': { image: { digest: 'latest' } },
      'no uploads bucket': { reports: { uploadsBucket: '' } },
      'a bad Secret name': { secrets: { existingSecret: 'Not_A_Name' } },
      'a bad schedule': {
        pipelines: { enabled: true, jobs: { sensors: { schedule: 'hourly', args: ['etl/run.ts'] } } },
      },
      'an unknown model to retrain': { retraining: { enabled: true, models: ['weather'] } },
    };
    for (const [what, values] of Object.entries(bad)) {
      const result = helmTemplateRaw({ values });
      assert.notEqual(result.status, 0, `${what} was accepted`);
      assert.match(result.stderr, /values don't meet the specifications of the schema|schema/i, what);
    }
  });
});

describe('the Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const dockerfile = DockerfileParser.parse(text);

  it('lints with no error or warning (dockerfile-utils)', () => {
    const problems = lintDockerfile(text).filter(
      (d) => d.severity === ValidationSeverity.ERROR || d.severity === ValidationSeverity.WARNING,
    );
    assert.deepEqual(
      problems.map(
        (d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
      ),
      [],
    );
  });

  it('installs from every workspace package.json, runs as a numeric non-root user with NODE_ENV=production, PID 1 handled', () => {
    const workspaces = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
    ).workspaces;
    const dirs = workspaces.flatMap((w) =>
      w.endsWith('/*')
        ? readdirSync(path.join(ROOT, w.slice(0, -2)), { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => `${w.slice(0, -2)}/${d.name}`)
        : [w],
    );
    for (const dir of dirs) {
      assert.ok(
        text.includes(`COPY ${dir}/package.json ${dir}/`),
        `${dir}/package.json is copied before npm ci`,
      );
    }
    const stages = dockerfile.getFROMs().map((f) => f.getBuildStage());
    assert.deepEqual(stages, ['deps', 'build', 'prod-deps', 'runtime', 'training']);
    const runtime = text.slice(text.indexOf('AS runtime'), text.indexOf('AS training'));
    assert.match(runtime, /^USER 10001:10001$/m);
    assert.match(runtime, /NODE_ENV=production/);
    assert.match(runtime, /ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "--import", "tsx"\]/);
    assert.doesNotMatch(runtime, /npm (ci|install)/, 'no install in the runtime stage');
  });

  it('the runtime tsconfig keeps the root tsconfig’s transform options (decorators, class fields)', () => {
    const strip = (s: string) => s.replace(/^\s*\/\/.*$/gm, '');
    const root = JSON.parse(strip(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'))) as {
      compilerOptions: Record<string, unknown>;
    };
    const runtime = JSON.parse(
      strip(readFileSync(path.join(ROOT, 'scripts/tsconfig.runtime.json'), 'utf8')),
    ) as {
      compilerOptions: Record<string, unknown>;
      extends?: unknown;
    };
    assert.equal(runtime.extends, undefined, 'extends nothing (the presets are devDependencies)');
    for (const key of [
      'experimentalDecorators',
      'emitDecoratorMetadata',
      'useDefineForClassFields',
      'module',
      'allowImportingTsExtensions',
    ]) {
      assert.equal(runtime.compilerOptions[key], root.compilerOptions[key], key);
    }
  });

  it('.dockerignore keeps dependencies, local data and secrets out of the build context', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/.data', '.git', '.env']) {
      assert.ok(ignore.includes(entry), entry);
    }
  });
});
