/**
 * The instance `Properties` the process plugin understands, all optional:
 * `{ "Env": { "MODE": "dev" }, "Cwd": "/srv/app", "Shell": "/bin/bash", "GracePeriodMs": 2000, "Port": "8081-8089" }`.
 * Keys match case-insensitively, as Go's `encoding/json` would (`env`, `cwd`...); unknown keys are
 * ignored, so a group may carry anything else it likes in the same object. Errors name the field.
 */
import { parsePortSpec, type PortSpec } from './port-picker.js';
import { goField } from '../../runtime/go-field.js';
import { isRecord } from '../../runtime/util.js';

export interface ProcessProperties {
  /** Extra environment for the child, on top of the runtime's own (see `child-env.ts`). */
  readonly Env: Readonly<Record<string, string>>;
  /** Working directory of the child; default: the plugin's `cwd` option, else the runtime's cwd. */
  readonly Cwd: string | undefined;
  /** Shell that runs `Init` as `<Shell> -c <Init>`; default: the plugin's `shell` option (`/bin/sh`). */
  readonly Shell: string | undefined;
  /** Per-instance grace between SIGTERM and SIGKILL on Destroy; default: the plugin's `gracePeriodMs`. */
  readonly GracePeriodMs: number | undefined;
  /** A port for the instance, given to it as `$PORT` and tag `port` (see `port-picker.ts`). */
  readonly Port: PortSpec | undefined;
}

const FIELDS = ['Env', 'Cwd', 'Shell', 'GracePeriodMs', 'Port'] as const;

/** A value that is not a JSON object, named for an error message. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Environment variable names the kernel and shells accept: no `=`, no NUL, not empty. */
const ENV_NAME = /^[^=\0]+$/;

/**
 * Check and normalise `Properties`. `null`/`undefined` mean "all defaults".
 * Throws an `Error` whose message names the offending field (`Properties.Env.PORT must be a string`).
 */
export function parseProperties(raw: unknown): ProcessProperties {
  if (raw === undefined || raw === null) return { Env: {}, Cwd: undefined, Shell: undefined, GracePeriodMs: undefined, Port: undefined };
  if (!isRecord(raw)) throw new Error(`Properties must be an object or null, got ${kindOf(raw)}`);

  // Go-style key matching: an exact spelling wins, else the first case-insensitive match.
  const pick = (field: (typeof FIELDS)[number]): unknown => goField(raw, field);

  const env: Record<string, string> = {};
  const rawEnv = pick('Env');
  if (rawEnv !== undefined && rawEnv !== null) {
    if (!isRecord(rawEnv)) throw new Error(`Properties.Env must be an object of strings, got ${kindOf(rawEnv)}`);
    for (const [k, v] of Object.entries(rawEnv)) {
      if (!ENV_NAME.test(k)) throw new Error(`Properties.Env: invalid variable name ${JSON.stringify(k)}`);
      if (typeof v !== 'string') throw new Error(`Properties.Env.${k} must be a string, got ${kindOf(v)}`);
      if (v.includes('\0')) throw new Error(`Properties.Env.${k} must not contain a NUL byte`);
      env[k] = v;
    }
  }

  const str = (field: 'Cwd' | 'Shell'): string | undefined => {
    const v = pick(field);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '')
      throw new Error(`Properties.${field} must be a non-empty string, got ${typeof v === 'string' ? 'an empty string' : kindOf(v)}`);
    return v;
  };

  const grace = pick('GracePeriodMs');
  if (grace !== undefined && grace !== null && !(typeof grace === 'number' && Number.isInteger(grace) && grace >= 0)) {
    throw new Error(`Properties.GracePeriodMs must be a non-negative integer (milliseconds), got ${JSON.stringify(grace)}`);
  }

  return {
    Env: env,
    Cwd: str('Cwd'),
    Shell: str('Shell'),
    GracePeriodMs: typeof grace === 'number' ? grace : undefined,
    Port: parsePortSpec(pick('Port')),
  };
}
