/**
 * commander, required as the CommonJS package it is. Imported as an ES module it goes through its
 * `esm.mjs` wrapper and Node's scan of `index.js` for named exports, which every command paid at start.
 */
import { createRequire } from 'node:module';
import type * as Commander from 'commander';

export const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof Commander;
export type Command = Commander.Command;
export type Option = Commander.Option;
