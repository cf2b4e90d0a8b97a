/**
 * Topics of `GET /events?topic=…`: which event types a subscriber wants.
 *
 * Event types are `:`-separated (`group:changed`, `actor:started`, `rollout:progress`). A topic is a
 * prefix of whole segments, written either way: `group:changed` or InfraKit's path form
 * `/group/changed`; `group`, `/group` and `group:` all match every `group:*` event. No topic, an empty
 * one or `/` matches everything. Several `topic` parameters match any of them.
 */

/** The topic in `:` form, without leading or trailing separators: `/group/changed/` → `group:changed`. */
export function normaliseTopic(topic: string): string {
  return topic
    .trim()
    .split(/[/:]+/)
    .filter((s) => s !== '')
    .join(':');
}

/** The normalised topics of a query string; `[]` means every event. */
export function topicsOf(query: URLSearchParams): string[] {
  const topics = query.getAll('topic').map(normaliseTopic);
  return topics.includes('') ? [] : topics;
}

/** Does `type` fall under one of `topics` (normalised)? */
export function topicMatches(topics: readonly string[], type: string): boolean {
  if (topics.length === 0) return true;
  return topics.some((t) => type === t || type.startsWith(`${t}:`));
}
