import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The training–serving contract (schema/contracts/*.schema.json), checked here as training checks it
 * when it writes the files: a version whose metadata.json or test_vectors.json breaks it does not
 * load, and the error lists every violation with its JSON path.
 */
export const CONTRACTS_DIR = path.resolve(import.meta.dirname, '../../../../schema/contracts');

/** The test-vector shape each task's files take (the `$defs` of test-vectors.schema.json). */
const VECTOR_SHAPES: Record<string, string> = {
  'binary-classification': 'treeClassifier',
  'image-classification': 'image',
  'image-segmentation': 'segmentation',
  'multi-horizon-forecast': 'forecast',
  'multi-horizon forecast of a pollutant concentration with prediction intervals': 'forecast',
};

export class ContractError extends Error {
  constructor(
    readonly file: string,
    readonly violations: string[],
  ) {
    super(`${file} breaks the training–serving contract: ${violations.join('; ')}`);
    this.name = 'ContractError';
  }
}

let validators: { metadata: ValidateFunction; vectors: Map<string, ValidateFunction> } | undefined;

function compile() {
  if (validators) return validators;
  const read = (file: string) =>
    JSON.parse(readFileSync(path.join(CONTRACTS_DIR, file), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const metadata = ajv.compile(read('metadata.schema.json'));
  const vectorSchema = read('test-vectors.schema.json');
  const vectors = new Map<string, ValidateFunction>();
  for (const shape of new Set(Object.values(VECTOR_SHAPES))) {
    // One shape of the file, keeping its $defs for references: the task says which shape it must be.
    const one: Record<string, unknown> = {
      ...vectorSchema,
      $id: `${String(vectorSchema['$id'])}:${shape}`,
      $ref: `#/$defs/${shape}`,
    };
    delete one['oneOf'];
    vectors.set(shape, ajv.compile(one));
  }
  validators = { metadata, vectors };
  return validators;
}

function violations(validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, 20)
    .map((e) => `${e.instancePath || '(top)'}: ${e.message ?? 'invalid'}`);
}

/** Throws a ContractError naming every violation of metadata.json's schema. */
export function assertMetadataContract(raw: unknown, file: string): void {
  const { metadata } = compile();
  if (!metadata(raw)) throw new ContractError(file, violations(metadata));
}

/** Throws a ContractError unless the test vectors have the shape their model's task calls for. */
export function assertTestVectorsContract(raw: unknown, task: string, file: string): void {
  const shape = VECTOR_SHAPES[task];
  if (!shape) throw new ContractError(file, [`no test-vector shape for task "${task}"`]);
  const validate = compile().vectors.get(shape)!;
  if (!validate(raw)) throw new ContractError(file, violations(validate));
}
