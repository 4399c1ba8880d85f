import { Command } from 'commander';
import { readResultsDoc, ResultsError } from '../results/writer.js';
import { renderRunReport } from '../report/markdown.js';
import type { CliIo } from './io.js';

export function reportCommand(io: CliIo): Command {
  return new Command('report')
    .description('print the markdown summary of a results folder (or results.json)')
    .argument('<dir>', 'results folder or results.json')
    .option('--json', 'print the validated results document instead', false)
    .action(async (dir: string, flags: { json: boolean }) => {
      try {
        const doc = await readResultsDoc(dir);
        io.stdout(flags.json ? JSON.stringify(doc, null, 1) + '\n' : renderRunReport(doc) + '\n');
        io.exitCode = 0;
      } catch (e) {
        if (!(e instanceof ResultsError)) throw e;
        io.stderr(`convgate report: ${e.message}\n`);
        io.exitCode = 2;
      }
    });
}
