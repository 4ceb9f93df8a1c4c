import cliProgress from 'cli-progress';

const STEPS = ['ingest', 'validate', 'transform', 'load'] as const;

export interface Progress {
  update(step: string, done: number, total?: number): void;
  stop(): void;
}

/**
 * A run's progress as a terminal user and a log collector each want it: a bar over the four steps
 * on a TTY (on stderr, so stdout stays the summary), JSON lines on stdout otherwise.
 */
export function progressFor(pipeline: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  if (!stream.isTTY) {
    return {
      update(step, done, total) {
        const event = {
          event: 'progress',
          pipeline,
          step,
          done,
          ...(total === undefined ? {} : { total }),
          elapsed_ms: Date.now() - started,
        };
        process.stdout.write(`${JSON.stringify(event)}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${pipeline} [{bar}] {step} {value}/{total} steps | {duration_formatted}`,
      stream,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(STEPS.length, 0, { step: 'start' });
  return {
    update(step) {
      const at = STEPS.indexOf(step as (typeof STEPS)[number]);
      bar.update(Math.max(at, 0), { step });
    },
    stop() {
      bar.update(STEPS.length, { step: 'done' });
      bar.stop();
    },
  };
}
