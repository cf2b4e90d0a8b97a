/** Exhaustiveness check for switches over tagged unions: an unknown tag is a bug. */
export function assertNever(x: never, what = 'message'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
