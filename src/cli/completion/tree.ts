// What shell completion offers, read from the commander command tree: for each command path
// (`''` for the program, `storage mirror`, ...), its subcommands, its options and which options
// take a value (with the values they accept, when they name them).
import type { Command, Option } from 'commander';

/** An option as completion sees it. */
export interface CompletionOption {
  /** `--copies`, `-h`: every spelling. */
  readonly flags: readonly string[];
  readonly description: string;
  /** Undefined for a flag; otherwise the values it accepts (empty: any, e.g. a file or number). */
  readonly values?: readonly string[];
}

/** One command of the tree. */
export interface CompletionNode {
  /** Subcommand names from the program down, joined with spaces (`''` for the program itself). */
  readonly path: string;
  readonly subcommands: ReadonlyArray<{ name: string; description: string }>;
  /** Values its first argument accepts, when it names them (`completion bash|zsh`). */
  readonly argumentChoices: readonly string[];
  /** Its own options and the program's (which commander accepts after any subcommand). */
  readonly options: readonly CompletionOption[];
}

/** Every visible command under `root`, the root first, each before its subcommands. */
export function completionTree(root: Command): CompletionNode[] {
  const help = root.createHelp();
  const globalOptions = help.visibleOptions(root).map(completionOption);
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string): void => {
    const subcommands = help
      .visibleCommands(command)
      .map((sub) => ({ name: sub.name(), description: firstLine(sub.description()) }));
    const own = help.visibleOptions(command).map(completionOption);
    const spelled = new Set(own.flatMap((option) => option.flags));
    const inherited =
      path === '' ? [] : globalOptions.filter((option) => !spelled.has(option.flags[0] ?? ''));
    const [firstArgument] = command.registeredArguments;
    nodes.push({
      path,
      subcommands,
      argumentChoices: firstArgument?.argChoices ?? [],
      options: [...own, ...inherited],
    });
    for (const sub of command.commands) {
      if (subcommands.some((visible) => visible.name === sub.name())) {
        visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
      }
    }
  };
  visit(root, '');
  return nodes;
}

function completionOption(option: Option): CompletionOption {
  const flags = [option.long, option.short].filter((flag): flag is string => flag !== undefined);
  const takesValue = option.required || option.optional;
  return {
    flags,
    description: firstLine(option.description),
    ...(takesValue ? { values: option.argChoices ?? [] } : {}),
  };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}
