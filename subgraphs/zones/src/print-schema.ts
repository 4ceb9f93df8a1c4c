import { printSubgraphSchema } from '@apollo/subgraph';
import { buildZonesSchema } from './schema.ts';

process.stdout.write(printSubgraphSchema(await buildZonesSchema()));
