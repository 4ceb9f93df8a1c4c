import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../../service.ts';
import { testConfig } from '../../testing.ts';

const logger = createLogger('test', 'silent');

describe('a flood model that times out, through the subgraph', () => {
  // The batcher holds rows 50 ms and the timeout is 10 ms: every model call times out.
  const subject = subgraphUnderTest(
    () => Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() }),
    (database) =>
      startPredictionsService(
        testConfig(database, { INFERENCE_BATCH_WAIT_MS: '50', MODEL_TIMEOUT_MS: '10' }),
        logger,
      ),
  );

  it('EXPECTED FAILURE - answers the climatology baseline, degraded, with a PREDICTION_DEGRADED entry', async () => {
    const zone = '260960005000010';
    const { data, errors } = await subject.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Zone { floodRisk { degraded probability level model { version } baseValue explain(top: 3) { feature } } } } }`,
      { r: [{ __typename: 'Zone', id: zone }] },
    );
    const risk = data!['_entities'][0].floodRisk;
    assert.equal(risk.degraded, true);
    assert.equal(risk.model.version, 'baseline');
    assert.ok(risk.probability > 0 && risk.probability < 0.01, `${risk.probability}: the training flood rate`);
    assert.equal(risk.level, 'LOW');
    assert.ok(Math.abs(risk.baseValue - Math.log(risk.probability / (1 - risk.probability))) < 1e-9);
    assert.deepEqual(risk.explain, []);
    assert.equal(errors?.length, 1);
    assert.equal(errors[0]!.extensions?.['code'], 'PREDICTION_DEGRADED');
    assert.deepEqual(errors[0]!.path, ['_entities', 0, 'floodRisk']);
    assert.match(errors[0]!.message, /did not answer within 10 ms/);
  });
});
