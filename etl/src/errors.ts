/**
 * The ETL's error catalogue: every failure a run can end with has a stable code, shown in the run
 * summary (`error.code`), stored with the run, and documented in docs/data-platform.md.
 */
export const ETL_ERRORS = {
  ETL_UNKNOWN_PIPELINE: 'no pipeline of that name',
  ETL_SOURCE_UNREADABLE: 'a source file or object could not be read',
  ETL_SCHEMA_MISMATCH: "the delivery's columns are not the ones the suite declares",
  ETL_FORMAT: 'the delivery is not in a format the pipeline reads',
  ETL_TRUNCATED: 'the delivery ends in the middle of a line',
  ETL_EXPECTATIONS_FAILED: 'a critical expectation failed: nothing was loaded',
  ETL_NO_ROWS: 'nothing to load after validation and the backfill window',
  ETL_LOAD_FAILED: 'writing the dataset version failed: nothing was loaded',
  ETL_BAD_REQUEST: 'the run request is malformed',
} as const;

export type EtlErrorCode = keyof typeof ETL_ERRORS | `RADAR_${string}`;

export class EtlError extends Error {
  override readonly name = 'EtlError';
  constructor(
    readonly code: EtlErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A failure as a run records it: a code from the catalogue and a message. */
export function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof EtlError) return { code: err.code, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^RADAR_[A-Z_]+$/.test(code)) {
    return { code, message: (err as Error).message };
  }
  return { code: 'ETL_LOAD_FAILED', message: err instanceof Error ? err.message : String(err) };
}
