#!/usr/bin/env node
/**
 * Entry of the `infrakit-ts` command: parse, run, and turn failures into a message on stderr and a
 * non-zero exit code (2 for usage mistakes, 1 for everything else).
 */
import { CommanderError } from 'commander';
import { explain, program } from './program.js';

async function main(argv: string[]): Promise<void> {
  const p = program();
  p.exitOverride();
  try {
    await p.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const { message, code } = explain(err);
    process.stderr.write(message + '\n');
    process.exitCode = code;
  }
}

await main(process.argv);
