import { printSubgraphSchema } from '@apollo/subgraph';
import { buildPredictionsSchema } from './schema.ts';

process.stdout.write(printSubgraphSchema(await buildPredictionsSchema()));
