import { Command } from 'commander';
import { listPlugins, ListingError, renderListing, type PluginListing } from '../convert/listing.js';
import { resolveStack, STACKS, StackError, type Stack } from '../run/stacks.js';
import type { CliIo } from './io.js';

interface ConvertersFlags {
  stack?: string;
  python?: string;
  json: boolean;
}

/** `convgate converters`: every converter and frontend with versions and what each needs, per stack. */
export function convertersCommand(io: CliIo): Command {
  return new Command('converters')
    .description(
      'list the converters and source frontends of each installed stack (or --stack / --python): versions, the frontends a converter takes, and how to install what is missing',
    )
    .option('--stack <name>', `one stack: ${STACKS.join(' | ')}`)
    .option('--python <path>', 'an interpreter of your own (a converter build)')
    .option('--json', 'machine-readable output', false)
    .action(async (flags: ConvertersFlags) => {
      io.exitCode = await list(flags, io);
    });
}

function stacksToList(flags: ConvertersFlags): Stack[] {
  if (flags.python !== undefined || flags.stack !== undefined)
    return [resolveStack({ stack: flags.stack, python: flags.python })];
  const found: Stack[] = [];
  for (const name of STACKS) {
    try {
      found.push(resolveStack({ stack: name }));
    } catch (e) {
      if (!(e instanceof StackError)) throw e;
    }
  }
  return found;
}

async function list(flags: ConvertersFlags, io: CliIo): Promise<number> {
  let stacks: Stack[];
  try {
    stacks = stacksToList(flags);
  } catch (e) {
    if (e instanceof StackError) {
      io.stderr(`convgate converters: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const out: { stack: string | null; listing: PluginListing }[] = [];
  for (const stack of stacks) {
    try {
      out.push({ stack: stack.name, listing: await listPlugins(stack.python) });
    } catch (e) {
      if (!(e instanceof ListingError)) throw e;
      io.stderr(`convgate converters: ${e.message}\n`);
      return 3;
    }
  }
  if (flags.json) {
    io.stdout(JSON.stringify(out, null, 1) + '\n');
    return 0;
  }
  const text = out.map(({ stack, listing }, i) =>
    renderListing(stack ? `stack ${stack}` : 'interpreter', listing, stacks[i].defaultAdapter),
  );
  io.stdout(text.join('\n\n') + '\n');
  return 0;
}
