import { printSubgraphSchema } from '@apollo/subgraph';
import { createEventBus } from '@cityassist/events';
import { buildReportsSchema } from './schema.ts';

process.stdout.write(printSubgraphSchema(await buildReportsSchema((await createEventBus(undefined)).pubSub)));
