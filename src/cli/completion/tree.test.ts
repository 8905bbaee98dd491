// The completion tree read from a commander program: paths, subcommands, options and values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Argument, Command, Option } from 'commander';
import { completionTree } from './tree.js';

test('every visible command with its subcommands, options and argument choices', () => {
  const program = new Command('tool').option('--endpoint <url>', 'where');
  const storage = program.command('storage').description('disks\nmore');
  storage
    .command('mirror')
    .option('--copies <n>', 'copies')
    .addOption(new Option('--mode <mode>', 'how').choices(['fast', 'safe']))
    .option('--wait', 'wait');
  program.command('shell').addArgument(new Argument('<kind>').choices(['bash', 'zsh']));
  program.command('secret', { hidden: true });

  const nodes = completionTree(program);
  assert.deepEqual(
    nodes.map((node) => node.path),
    ['', 'storage', 'storage mirror', 'shell'],
  );
  const [root, disks, mirror, shell] = nodes;
  assert.deepEqual(
    root?.subcommands.map((sub) => sub.name),
    ['storage', 'shell', 'help'],
  );
  assert.deepEqual(disks?.subcommands[0], { name: 'mirror', description: '' });
  assert.equal(root?.subcommands[0]?.description, 'disks');
  assert.deepEqual(
    mirror?.options.map((option) => [option.flags.join('|'), option.values]),
    [
      ['--copies', []],
      ['--mode', ['fast', 'safe']],
      ['--wait', undefined],
      ['--help|-h', undefined],
      ['--endpoint', []],
    ],
  );
  assert.deepEqual(shell?.argumentChoices, ['bash', 'zsh']);
});
