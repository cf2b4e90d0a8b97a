/**
 * InfraKit's config hash (docs/go-compat.md #8): the value of the `infrakit.config.hash` tag,
 *   stable(x) = Go MarshalIndent(x, "  ", "  ") of x with keys sorted at every level
 *   hash      = lowercase(base32(SHA1(stable(Instance) || stable(Flavor)))) without '=' padding
 * with `Instance`/`Flavor` = `{"Plugin": name, "Properties": raw-or-null}`. Bit-for-bit the same as Go's,
 * so Go InfraKit and this plugin recognise each other's instances.
 */
import { createHash } from 'node:crypto';
import { goJson } from './go-json.js';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, without padding. */
export function base32Lower(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return out;
}

/** `stableFormat` of Go InfraKit: sorted keys, MarshalIndent with prefix and indent of two spaces. */
export function stableFormat(value: unknown): string {
  return goJson(value, { prefix: '  ', indent: '  ', sortKeys: true });
}

export interface HashedPlugin {
  readonly Plugin: string;
  readonly Properties: unknown;
}

/** The config hash of a group's Instance and Flavor sections. */
export function configHash(instance: HashedPlugin, flavor: HashedPlugin): string {
  const h = createHash('sha1');
  h.update(stableFormat({ Plugin: instance.Plugin, Properties: instance.Properties ?? null }), 'utf8');
  h.update(stableFormat({ Plugin: flavor.Plugin, Properties: flavor.Properties ?? null }), 'utf8');
  return base32Lower(h.digest());
}
