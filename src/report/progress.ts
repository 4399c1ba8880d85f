import { clipChars } from '../util/text.js';
import cliProgress from 'cli-progress';
import type { CaseResult } from '../results/schema.js';
import type { RunEvents } from '../run/run-cases.js';
import { caseProblem } from './view/model.js';

/** A progress bar on a terminal; one plain line per finished case in CI logs and pipes. */
export function progressReporter(
  stream: Pick<NodeJS.WriteStream, 'write'>,
  interactive: boolean,
): RunEvents & { stop(): void } {
  const line = (r: CaseResult, done: number, total: number) => {
    const t = r.timingsMs;
    const secs =
      ((t.build ?? 0) + (t.reference ?? 0) + (t.export ?? 0) + (t.load ?? 0) + (t.run ?? 0)) / 1000;
    const problem = r.outcome === 'ok' ? '' : `  ${clipChars(caseProblem(r).split('\n')[0], 160)}`;
    return `[${String(done).padStart(String(total).length)}/${total}] ${r.id} ${r.outcome} ${secs.toFixed(1)}s${problem}`;
  };
  if (!interactive) {
    return {
      onStart: ({ total, skipped, converter }) =>
        stream.write(
          `convgate: ${total} case(s)${skipped ? `, ${skipped} already done` : ''} on ${converter.name} ${converter.version}\n`,
        ),
      onCaseDone: (r, done, total) => stream.write(line(r, done, total) + '\n'),
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: '{bar} {value}/{total} cases | {eta_formatted} left | {last}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    onStart: ({ total, skipped }) => bar.start(total, skipped, { last: '' }),
    onCaseDone: (r, done) => {
      // Failures stay on screen above the bar.
      if (r.outcome !== 'ok') stream.write('\r\x1b[K' + line(r, done, bar.getTotal()) + '\n');
      bar.update(done, { last: `${r.id} ${r.outcome}` });
    },
    stop: () => bar.stop(),
  };
}
