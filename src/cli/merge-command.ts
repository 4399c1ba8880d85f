import { Command } from 'commander';
import { mergeShardDirs } from '../gate/merge.js';
import { ShardError } from '../gate/shard.js';
import { ResultsError } from '../results/writer.js';
import type { CliIo } from './io.js';

export function mergeCommand(io: CliIo): Command {
  return new Command('merge')
    .description('combine the results of the shards of one run (--shard i/n) into one results folder')
    .requiredOption('--out <dir>', 'merged results folder (results.json and the cases/ of every shard)')
    .argument('<shards...>', 'results folders (or results.json files) of all the shards')
    .action(async (shards: string[], flags: { out: string }) => {
      try {
        const doc = await mergeShardDirs(shards, flags.out);
        io.stderr(
          `merged ${shards.length} shard(s): ${doc.cases.length} case(s)${doc.complete ? '' : ' (incomplete)'} → ${flags.out}/results.json\n`,
        );
        io.exitCode = 0;
      } catch (e) {
        if (!(e instanceof ShardError || e instanceof ResultsError)) throw e;
        io.stderr(`convgate merge: ${e.message}\n`);
        io.exitCode = 2;
      }
    });
}
