import { runCli } from './src/cli/main.ts';

// `npm run etl -- <command>`, and the Kubernetes CronJobs' `etl/run.ts submit <pipeline> --wait`.
process.exitCode = await runCli(process.argv.slice(2));
