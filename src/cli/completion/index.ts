// `cairn completion bash|zsh`: prints a completion script generated from the command tree, so
// every command and option (those added later included) completes without a hand-kept list.
import { Argument, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { completionScript, completionShells, type CompletionShell } from './scripts.js';
import { completionTree } from './tree.js';

export { completionTree, type CompletionNode } from './tree.js';
export { completionScript, completionShells, type CompletionShell } from './scripts.js';

/** Registers `completion`. */
export function registerCompletionCommand(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(completionShells))
    .addHelpText(
      'after',
      `
Install, for bash:  cairn completion bash > ~/.local/share/bash-completion/completions/cairn
         for zsh:   cairn completion zsh > "\${fpath[1]}/_cairn"
or load it in the running shell:  source <(cairn completion bash)`,
    )
    .action(
      commandAction(io, (context, shell: CompletionShell) => {
        // The tree as it is now: commands registered after this one (e.g. `node`) included.
        let root = program;
        while (root.parent !== null) root = root.parent;
        context.io.stdout.write(completionScript(shell, root.name(), completionTree(root)));
        return Promise.resolve();
      }),
    );
}
