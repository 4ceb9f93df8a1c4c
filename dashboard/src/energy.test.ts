/**
 * The zone panel shows energy demand exactly when DashboardZone selects `energyDemand` (energy.ts):
 * this keeps the operation in step with the schema, so the field cannot land in
 * schema/public.graphql without the dashboard showing it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildSchema, isObjectType, parse } from 'graphql';
import { ENERGY_FIELD, selectsField } from './energy-field.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('the dashboard and Zone.energyDemand', () => {
  it('DashboardZone selects energyDemand exactly when the schema has it', () => {
    const zone = buildSchema(read('schema/public.graphql')).getType('Zone');
    assert.ok(isObjectType(zone));
    const inSchema = ENERGY_FIELD in zone.getFields();
    const selected = selectsField(
      parse(read('schema/operations/dashboard/DashboardZone.graphql')),
      ENERGY_FIELD,
    );
    assert.equal(
      selected,
      inSchema,
      inSchema
        ? 'Zone.energyDemand is in the schema: select it in schema/operations/dashboard/DashboardZone.graphql and run npm run codegen; the panel then shows it'
        : 'DashboardZone selects energyDemand, which the schema does not have',
    );
  });

  it('finds a field at any depth of a document', () => {
    const doc = parse('query Q($id: ID!) { zone(id: $id) { id energyDemand { value } } }');
    assert.equal(selectsField(doc, 'energyDemand'), true);
    assert.equal(selectsField(doc, 'value'), true);
    assert.equal(selectsField(doc, 'aqiForecast'), false);
  });
});
