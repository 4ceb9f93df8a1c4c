/**
 * `npm start`: the whole stack on embedded defaults (PGlite under .data/, in-process caches), or on
 * Postgres when DATABASE_URL is set. Ctrl-C or SIGTERM stops all four services cleanly.
 */
import { startStack } from './stack.ts';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
console.log('Starting zones, reports and predictions subgraphs, then the gateway…');
const stack = await startStack({
  stdio: 'inherit',
  ports: {
    zones: port('ZONES_PORT', 4001),
    reports: port('REPORTS_PORT', 4002),
    predictions: port('PREDICTIONS_PORT', 4003),
    gateway: port('GATEWAY_PORT', 4000),
  },
}).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

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

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping all services…`);
  void stack.stop().then(() => {
    console.log('All services stopped.');
    process.exit(0);
  });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

// A service that dies on its own takes the others down too: half a stack is not "started".
for (const svc of Object.values(services)) {
  svc.process.once('exit', (code) => {
    if (stopping) return;
    console.error(`${svc.name} exited unexpectedly (code ${code}); stopping the rest.`);
    shutdown('service exit');
  });
}
