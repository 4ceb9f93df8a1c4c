import { printSubgraphSchema } from '@apollo/subgraph';
import { buildReportsSchema } from './schema.ts';

process.stdout.write(printSubgraphSchema(await buildReportsSchema()));
