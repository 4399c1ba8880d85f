import { Command } from 'commander';
import { triageCommand as classify } from '../triage/cli.js';
import type { CliIo } from './io.js';

/** `convgate triage`: labels for converter issues (symptom, cause, stage) with confidence and evidence. */
export function triageCommand(io: CliIo): Command {
  return new Command('triage')
    .description('classify converter issues: symptom, root cause and converter stage, with evidence')
    .option('--jsonl <file>', 'lines {id, title, body} (- for stdin); one JSON line out per issue')
    .option('--title <text>', 'one issue: its title (human-readable output)')
    .option('--body-file <file>', 'one issue: file holding its body')
    .option('--explain', "per field: the evidence with its weight, and the runner-up label's probability")
    .action(async (flags: { jsonl?: string; title?: string; bodyFile?: string; explain?: boolean }) => {
      io.exitCode = await classify(flags, { stdout: io.stdout, stderr: io.stderr });
    });
}
