import { Command } from 'commander';
import type { CliIo } from './io.js';

/** `convgate app [serve|actions]`: the Probot app (server, or one event in an Actions job). */
export function appCommand(io: CliIo): Command {
  return new Command('app')
    .description(
      'run the GitHub App: a webhook server (serve), or the event of the current Actions job (actions); see docs/app.md',
    )
    .argument('[mode]', 'serve | actions', 'serve')
    .action(async (mode: string) => {
      // Loaded on demand: probot is only needed by this command.
      const app = await import('../app/index.js');
      if (mode === 'serve') await app.serveMain();
      else if (mode === 'actions') io.exitCode = await app.actionsMain();
      else {
        io.stderr(`convgate app: mode must be serve or actions, got ${JSON.stringify(mode)}\n`);
        io.exitCode = 2;
      }
    });
}
