import type { Command } from 'commander';
import { positiveInt, positiveNumber } from '../util/args.js';
import { DEFAULT_LOCALIZE_BUDGET, type LocalizeBudget } from './localize.js';

export interface LocalizeFlags {
  localize: boolean;
  localizeTrials: number;
  localizeSeconds: number;
  localizeTotal: number;
}

/** Budget options of localization (run: off unless --localize; gate: on unless --no-localize). */
export function addLocalizeOptions(cmd: Command, defaultOn: boolean): Command {
  const b = DEFAULT_LOCALIZE_BUDGET;
  return (
    defaultOn
      ? cmd.option(
          '--no-localize',
          'do not localize regressions (diverging node, minimal reproducer, bundle)',
        )
      : cmd.option(
          '--localize',
          'localize failing cases: diverging node, fingerprint, minimal reproducer, cases/<id>/repro/',
          false,
        )
  )
    .option('--localize-trials <n>', 'reduction trials per case', positiveInt('--localize-trials'), b.trials)
    .option(
      '--localize-seconds <s>',
      'reduction seconds per case',
      positiveNumber('--localize-seconds'),
      b.seconds,
    )
    .option(
      '--localize-total <s>',
      'seconds for localizing all cases of a run',
      positiveNumber('--localize-total'),
      b.totalSeconds,
    );
}

export function localizeBudget(flags: LocalizeFlags): LocalizeBudget | null {
  return flags.localize
    ? { trials: flags.localizeTrials, seconds: flags.localizeSeconds, totalSeconds: flags.localizeTotal }
    : null;
}
