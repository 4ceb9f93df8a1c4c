/**
 * `npm run explain -- --model <model.onnx> --rows <rows.json>`: explanations as JSON on stdout.
 * The logic lives here (scripts/explain.ts only wires process I/O) so the tests run it in-process.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadTreeExplainer } from './explainer.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const USAGE =
  'usage: npm run explain -- --model <model.onnx> --rows <rows.json>  (rows: [[x1, x2, ...], ...], null = missing)';

/** A failure the user can fix; reported as one line, exit code 2 (usage) or 1 (input). */
class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

async function readInput(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`${what} ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 1);
  }
}

function parseRows(text: string, nFeatures: number, file: string): (number | null)[][] {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (err) {
    throw new CliError(`rows ${file}: not JSON (${(err as Error).message})`, 1);
  }
  if (!Array.isArray(rows)) throw new CliError(`rows ${file}: expected an array of rows`, 1);
  rows.forEach((row: unknown, r) => {
    if (!Array.isArray(row)) throw new CliError(`rows ${file}: row ${r} is not an array`, 1);
    if (row.length !== nFeatures) {
      throw new CliError(`rows ${file}: row ${r} has ${row.length} values; the model reads ${nFeatures}`, 1);
    }
    row.forEach((v: unknown, f) => {
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw new CliError(
          `rows ${file}: row ${r}, feature ${f} is ${JSON.stringify(v)}; expected a number or null`,
          1,
        );
      }
    });
  });
  return rows as (number | null)[][];
}

/**
 * Runs the command and returns the exit code. Single-target models print
 * `{"values": [[...]], "bias": [...]}` ([row][feature], one bias per row); multi-target models print
 * the same per target: `{"values": [target][row][feature], "bias": [target][row]}`.
 */
export async function runExplainCli(argv: string[], io: CliIo): Promise<number> {
  try {
    let values: { model?: string | undefined; rows?: string | undefined; help?: boolean | undefined };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          model: { type: 'string' },
          rows: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (err) {
      throw new CliError(`${(err as Error).message}\n${USAGE}`, 2);
    }
    if (values.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (!values.model || !values.rows) throw new CliError(USAGE, 2);
    const bytes = await readInput(values.model, 'model');
    let explainer;
    try {
      explainer = await loadTreeExplainer(bytes);
    } catch (err) {
      throw new CliError(`model ${values.model}: ${(err as Error).message}`, 1);
    }
    const rows = parseRows(
      (await readInput(values.rows, 'rows')).toString('utf8'),
      explainer.nFeatures,
      values.rows,
    );
    const all = explainer.explainAll(rows);
    const out =
      all.length === 1
        ? { values: all[0]!.values, bias: all[0]!.bias }
        : { values: all.map((e) => e.values), bias: all.map((e) => e.bias) };
    io.stdout(`${JSON.stringify(out)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`explain: ${err.message}\n`);
      return err.code;
    }
    throw err;
  }
}
