#!/usr/bin/env node
/**
 * Entry of the `infrakit-ts` command: parse, run, and turn failures into a message on stderr and a
 * non-zero exit code: 2 for usage mistakes (commander's own: unknown option or command, missing
 * argument; and UsageError), 1 for everything else.
 */
import { CommanderError, type Command } from './commander.js';
import { explain, program } from './program.js';

async function main(argv: string[]): Promise<void> {
  const p = program();
  // On every command, not only the root: a mistake in `group …` is reported here too, with exit code 2.
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(p);
  try {
    await p.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message; --help and --version exit 0, every mistake 2 (it says 1).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const { message, code } = explain(err);
    process.stderr.write(message + '\n');
    process.exitCode = code;
  }
}

await main(process.argv);
