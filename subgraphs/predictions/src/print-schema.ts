import { printSubgraphSchema } from '@apollo/subgraph';
import { createEventBus } from '@cityassist/events';
import { buildPredictionsSchema } from './schema.ts';

process.stdout.write(
  printSubgraphSchema(await buildPredictionsSchema((await createEventBus(undefined)).pubSub)),
);
