// @ts-check
// The repository's rules for the dashboard too (ESLint reads the nearest config to each file), with
// the built page left out: dist/ is Vite's minified output.
import root from '../eslint.config.js';

export default [{ ignores: ['dist/**'] }, ...root];
