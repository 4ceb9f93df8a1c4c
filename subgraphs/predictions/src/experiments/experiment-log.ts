import { readFile } from 'node:fs/promises';

/** One line of training's experiment log (training/cityassist_training/lineage.py writes them). */
export interface ExperimentRecord {
  model: string;
  version: string;
  started_at: string;
  duration_s: number;
  seed: number;
  smoke: boolean;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  artifacts: unknown;
  code_version: unknown;
}

/**
 * Reads the file-based experiment log (JSON lines), newest first. A line that is not a run record
 * is skipped and counted rather than failing the whole list: the log is appended by hand-run jobs.
 */
export async function readExperimentLog(
  file: string,
): Promise<{ runs: ExperimentRecord[]; skipped: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], skipped: 0 };
    throw err;
  }
  const runs: ExperimentRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as Partial<ExperimentRecord>;
      if (typeof r.model === 'string' && typeof r.version === 'string' && typeof r.started_at === 'string') {
        runs.push(r as ExperimentRecord);
        continue;
      }
    } catch {
      // counted below
    }
    skipped++;
  }
  runs.sort((a, b) => b.started_at.localeCompare(a.started_at));
  return { runs, skipped };
}
