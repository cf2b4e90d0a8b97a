/**
 * The file Instance plugin's logic (docs/go-compat.md #13): one JSON file per instance, named by its
 * ID, holding `{"ID","LogicalID","Tags","Spec"}`. The files are the state, so instances survive a
 * restart; nothing is cached between calls.
 * Differences from Go InfraKit, on purpose (docs/go-compat.md #26): the directory defaults to
 * `<INFRAKIT_HOME>/instances/<actor>`, never the system temp dir; temp files of in-flight atomic
 * writes and files that do not decode as instances are skipped (and logged once each).
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from '../../runtime/random.js';
import { mkdirPrivate, writeFileAtomic } from '../../runtime/atomic-file.js';
import { ApplicationError } from '../../runtime/errors.js';
import type {
  Description,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  DestroyRequest,
  InstanceSpec,
  LabelRequest,
  OkResult,
  ProvisionRequest,
  ProvisionResult,
  Tags,
  ValidateInstanceRequest,
} from '../spi/index.js';
import { matchesTags } from '../spi/tag-index.js';
import { pidExists } from '../../runtime/pid-exists.js';
import { isRecord } from '../../runtime/util.js';

/** What one instance file holds. */
export interface InstanceFile {
  ID: string;
  LogicalID: string | null;
  Tags: Tags | null;
  Spec: InstanceSpec;
}

/** The little of pino the plugin uses. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** Files read at once by DescribeInstances (keeps clear of EMFILE with many instances). */
const READ_BATCH = 64;

function isTags(v: unknown): v is Tags {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** An instance file as decoded, or `undefined` when the content is not one. */
export function decodeInstanceFile(text: string): InstanceFile | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v['ID'] !== 'string' || v['ID'] === '') return undefined;
  const logical = v['LogicalID'];
  const tags = v['Tags'];
  const spec = v['Spec'];
  if (logical !== undefined && logical !== null && typeof logical !== 'string') return undefined;
  if (tags !== undefined && tags !== null && !isTags(tags)) return undefined;
  if (spec !== undefined && spec !== null && !isRecord(spec)) return undefined;
  return { ID: v['ID'], LogicalID: logical ?? null, Tags: tags ?? null, Spec: spec ?? {} };
}

/** Names that are never instances: dot files (our atomic writes' temps) and `*.tmp`. */
function isCandidate(name: string): boolean {
  return !name.startsWith('.') && !name.endsWith('.tmp');
}

/** Go's `rand.Int63()` as decimal, behind `instance-`. */
function newId(): string {
  return `instance-${randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn}`;
}

export class FileInstances {
  private readonly warned = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly log?: WarnLogger,
  ) {}

  /** Create the directory (0700; instance files are 0600), and remove temp files that a killed writer left behind. */
  async init(): Promise<void> {
    await mkdirPrivate(this.dir);
    await this.removeStaleTemps();
  }

  /**
   * An atomic write that was interrupted (SIGKILL between open and rename) leaves
   * `.<name>.<pid>.<hex>.tmp`. Readers skip it; here it is removed, unless its writer is still alive
   * (another runtime sharing the directory may be mid-write).
   */
  private async removeStaleTemps(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
      if (!m || pidExists(Number(m[1]))) continue;
      await unlink(join(this.dir, name)).catch(() => undefined);
      this.log?.warn({ file: name }, 'removed a temp file left by an interrupted write');
    }
  }

  private checkType(type: string | undefined): string {
    if (type !== undefined && type !== '') throw new ApplicationError(`no-plugin:${type}`);
    return '';
  }

  /** The file of `id`, or `undefined` for ids that cannot name an instance file (`../x`, `.tmp`). */
  private pathOf(id: string): string | undefined {
    if (id === '' || id.includes('/') || id.includes('\\') || id.includes('\0') || !isCandidate(id)) return undefined;
    return join(this.dir, id);
  }

  private async read(id: string): Promise<InstanceFile> {
    const path = this.pathOf(id);
    if (!path) throw new ApplicationError(`not found ${id}`);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApplicationError(`not found ${id}`);
      throw err;
    }
    const rec = decodeInstanceFile(text);
    if (!rec) throw new ApplicationError(`instance ${id}: file ${path} does not hold an instance`);
    return rec;
  }

  private async write(rec: InstanceFile): Promise<void> {
    await writeFileAtomic(join(this.dir, rec.ID), JSON.stringify(rec, null, 2) + '\n');
  }

  validate(req: ValidateInstanceRequest): OkResult {
    return { Type: this.checkType(req.Type), OK: true };
  }

  async provision(req: ProvisionRequest): Promise<ProvisionResult> {
    const type = this.checkType(req.Type);
    const spec = req.Spec;
    const rec: InstanceFile = {
      ID: newId(),
      LogicalID: spec.LogicalID ?? null,
      Tags: spec.Tags && Object.keys(spec.Tags).length > 0 ? { ...spec.Tags } : null,
      Spec: spec,
    };
    await this.write(rec);
    return { Type: type, ID: rec.ID };
  }

  async label(req: LabelRequest): Promise<OkResult> {
    const type = this.checkType(req.Type);
    const rec = await this.read(req.Instance);
    if (req.Labels && Object.keys(req.Labels).length > 0) {
      rec.Tags = { ...(rec.Tags ?? {}), ...req.Labels };
      await this.write(rec);
    }
    return { Type: type, OK: true };
  }

  async destroy(req: DestroyRequest): Promise<OkResult> {
    const type = this.checkType(req.Type);
    const path = this.pathOf(req.Instance);
    if (!path) throw new ApplicationError(`not found ${req.Instance}`);
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApplicationError(`not found ${req.Instance}`);
      throw err;
    }
    return { Type: type, OK: true };
  }

  async describe(req: DescribeInstancesRequest): Promise<DescribeInstancesResult> {
    const type = this.checkType(req.Type);
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const names = entries.filter((e) => e.isFile() && isCandidate(e.name)).map((e) => e.name);
    const out: Description[] = [];
    for (let i = 0; i < names.length; i += READ_BATCH) {
      const batch = names.slice(i, i + READ_BATCH);
      const texts = await Promise.all(
        batch.map((n) =>
          readFile(join(this.dir, n), 'utf8').catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return undefined; // destroyed meanwhile
            throw err;
          }),
        ),
      );
      batch.forEach((name, j) => {
        const text = texts[j];
        if (text === undefined) return;
        const rec = decodeInstanceFile(text);
        if (!rec) {
          if (!this.warned.has(name)) {
            this.warned.add(name);
            this.log?.warn({ file: join(this.dir, name) }, 'skipping a file that is not an instance');
          }
          return;
        }
        if (!matchesTags(rec.Tags, req.Tags)) return;
        const d: Description = {
          ID: rec.ID,
          LogicalID: rec.LogicalID,
          Tags: rec.Tags && Object.keys(rec.Tags).length > 0 ? rec.Tags : null,
        };
        if (req.Properties === true) d.Properties = rec.Spec;
        out.push(d);
      });
    }
    out.sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
    return { Type: type, Descriptions: out.length > 0 ? out : null };
  }
}
