/**
 * `npm start`: the whole stack on embedded defaults (PGlite under .data/, in-process caches), or on
 * Postgres when DATABASE_URL is set. A supervisor: Ctrl-C or SIGTERM stops all four services
 * cleanly (each drains), also while they are still starting; so does the death of whatever launched
 * it (`kill <npm pid>`, `timeout npm start`); and each service exits by itself if this process dies
 * (kill -9 included), since its IPC channel to it closes (see stack.ts).
 */
import { ConfigError, readConfig, setting } from '@cityassist/service-kit';
import { onLauncherExit, startStack, type Stack } from './stack.ts';

// A closed terminal or a gone reader must not crash the supervisor half-way through stopping.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

// The same rules the services apply to their own ports, checked before anything starts: a bad
// value is refused with its name, not turned into a random port. 0 picks a free one.
let ports: { zones: number; reports: number; predictions: number; gateway: number };
try {
  const env = readConfig({
    ZONES_PORT: setting.port(4001),
    REPORTS_PORT: setting.port(4002),
    PREDICTIONS_PORT: setting.port(4003),
    GATEWAY_PORT: setting.port(4000),
  });
  ports = {
    zones: env.ZONES_PORT,
    reports: env.REPORTS_PORT,
    predictions: env.PREDICTIONS_PORT,
    gateway: env.GATEWAY_PORT,
  };
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}

// Set once the stack is up; until then a stop aborts the start.
const up: { stack?: Stack } = {};
let stopping = false;
const starting = new AbortController();
const shutdown = (reason: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${reason}: stopping all services…`);
  // Still starting: startStack stops what it started, then rejects (handled below).
  if (!up.stack) return starting.abort();
  void up.stack.stop().then(() => {
    console.log('All services stopped.');
    process.exit(0);
  });
};
// Installed before anything starts, so a signal during the start stops what has started.
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGHUP', () => shutdown('SIGHUP'));
onLauncherExit(() => shutdown('launcher exited'));

console.log('Starting zones, reports and predictions subgraphs, then the gateway…');
const stack = await startStack({ stdio: 'inherit', ports, signal: starting.signal }).catch((err: unknown) => {
  if (starting.signal.aborted) {
    console.log('All services stopped.');
    process.exit(0);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

up.stack = stack;
const { services } = stack;
console.log(`
CityAssist is up.
  GraphQL API + GraphiQL  ${stack.gatewayUrl}
  gateway                 ${services.gateway.baseUrl}/health  /ready  /metrics
  zones subgraph          ${services.zones.baseUrl}/graphql
  reports subgraph        ${services.reports.baseUrl}/graphql
  predictions subgraph    ${services.predictions.baseUrl}/graphql
Press Ctrl-C to stop.
`);

// A service that dies on its own takes the others down too: half a stack is not "started".
for (const svc of Object.values(services)) {
  svc.process.once('exit', (code) => {
    if (stopping) return;
    console.error(`${svc.name} exited unexpectedly (code ${code}); stopping the rest.`);
    shutdown('service exit');
  });
}
