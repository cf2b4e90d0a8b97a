/**
 * Random bytes for IDs, with node:crypto loaded on the first call rather than when the module is: a
 * worker that never makes an ID (a file or process plugin nobody provisions on) never loads it.
 */
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

let crypto: typeof Crypto | undefined;

export function randomBytes(n: number): Buffer {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto;
  return crypto.randomBytes(n);
}
