/**
 * Explains the rows of a JSON file with exact TreeSHAP, read straight from an ONNX tree ensemble:
 *
 *   npm run explain -- --model models/flood/1.0.0/model.onnx --rows rows.json
 *
 * rows.json is [[x1, x2, ...], ...] with null for a missing value. Prints {"values": [[...]],
 * "bias": [...]} (margin space; sum(values[r]) + bias[r] is row r's raw margin). See docs/treeshap.md.
 */
import { runExplainCli } from '@cityassist/treeshap/cli';

process.exitCode = await runExplainCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
