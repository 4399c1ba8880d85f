import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../util/version.js';
import { processIo, type CliIo } from './io.js';
import { runCommand } from './run-command.js';
import { reportCommand } from './report-command.js';
import { diffCommand } from './diff-command.js';
import { gateCommand } from './gate-command.js';
import { mergeCommand } from './merge-command.js';
import { generateCommand } from './generate-command.js';
import { triageCommand } from './triage-command.js';
import { appCommand } from './app-command.js';
import { reproCommand } from './repro-command.js';
import { convertersCommand } from './converters-command.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('convgate')
    .description('Regression gate for deep-learning model converters')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError(false);
  for (const cmd of [
    runCommand(io),
    reportCommand(io),
    diffCommand(io),
    gateCommand(io),
    mergeCommand(io),
    generateCommand(io),
    triageCommand(io),
    appCommand(io),
    reproCommand(io),
    convertersCommand(io),
  ]) {
    program.addCommand(
      cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }),
    );
  }
  return program;
}

/** Runs the CLI; resolves to the process exit code (0 ok, 2 bad input, 3 missing environment). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return io.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help / --version exit 0; argument errors were already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    io.stderr(`convgate: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
