import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { generateSpec } from '../corpus/synthetic/index.js';
import { caseId } from '../corpus/synthetic/index.js';
import { DEFAULT_SYNTHETIC_COUNT, DEFAULT_SYNTHETIC_SEED } from '../corpus/load.js';
import { nonNegativeInt, positiveInt } from './options.js';
import type { CliIo } from './io.js';

/** `convgate generate`: write synthetic specs (one JSON file per case) without running them. */
export function generateCommand(io: CliIo): Command {
  return new Command('generate')
    .description('write synthetic graph specs without running them (docs/synthetic-spec.md)')
    .requiredOption('--out <dir>', 'folder for syn-<seed>-<index>.json files')
    .option('--count <n>', 'how many', positiveInt('--count'), DEFAULT_SYNTHETIC_COUNT)
    .option('--seed <n>', 'generator seed', nonNegativeInt('--seed'), DEFAULT_SYNTHETIC_SEED)
    .action(async (flags: { out: string; count: number; seed: number }) => {
      await mkdir(flags.out, { recursive: true });
      for (let i = 0; i < flags.count; i++) {
        const spec = generateSpec(flags.seed, i);
        await writeFile(
          path.join(flags.out, `${caseId(flags.seed, i)}.json`),
          JSON.stringify(spec, null, 1) + '\n',
        );
      }
      io.stderr(`wrote ${flags.count} spec(s) to ${flags.out}\n`);
      io.exitCode = 0;
    });
}
