/**
 * How combo folds its flavors' Prepare outputs into one spec (docs/go-compat.md #13), without
 * Go's duplication (docs/go-compat.md #27): each flavor prepares its own copy of the incoming spec, and only
 * what it *added* is taken from its output.
 */
import type { Attachment, InstanceSpec, Tags } from '../spi/index.js';

/**
 * The part of `output` a flavor added to the incoming Init. Flavors like vanilla put the incoming
 * Init first (`incoming\nmine`); some may put it last. When the incoming Init is not found at
 * either end the flavor rewrote it, and its whole output counts as added.
 */
export function addedInit(incoming: string, output: string | undefined): string {
  const out = output ?? '';
  if (incoming === '') return out;
  if (out === incoming || out === '') return '';
  if (out.startsWith(incoming + '\n')) return out.slice(incoming.length + 1);
  if (out.endsWith('\n' + incoming)) return out.slice(0, out.length - incoming.length - 1);
  return out;
}

const attKey = (a: Attachment) => `${a.ID}\u0000${a.Type}`;

/** Merge outputs (in flavor order) onto a copy of `original`. Properties and LogicalID stay the original's. */
export function mergePrepared(original: InstanceSpec, outputs: readonly InstanceSpec[]): InstanceSpec {
  const incomingInit = original.Init ?? '';
  const tags: Tags = { ...(original.Tags ?? {}) };
  const init: string[] = incomingInit === '' ? [] : [incomingInit];
  const atts: Attachment[] = [...(original.Attachments ?? [])];
  const seen = new Set(atts.map(attKey));
  for (const out of outputs) {
    Object.assign(tags, out.Tags ?? {});
    const added = addedInit(incomingInit, out.Init);
    if (added !== '') init.push(added);
    for (const a of out.Attachments ?? []) {
      const k = attKey(a);
      if (!seen.has(k)) {
        seen.add(k);
        atts.push(a);
      }
    }
  }
  return {
    Properties: original.Properties ?? null,
    Tags: Object.keys(tags).length > 0 ? tags : null,
    Init: init.join('\n'),
    LogicalID: original.LogicalID ?? null,
    Attachments: atts.length > 0 ? atts : null,
  };
}
