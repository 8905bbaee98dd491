// Tombstones: deletes a target took while other targets were away from the cluster map, kept until
// each of those targets is back and was told (or a retention bound passes), so that a returning
// target drops its stale replica, copies and EC pieces instead of bringing the object back.
// On disk: `<node dir>/tombstones.log`, JSON lines, one per change; a later line for a name
// replaces the earlier one and one with no targets left drops it. Rewritten (atomically) when
// dropped lines outnumber live ones. Beside it, `away-targets.json` keeps which targets are away
// (and since when), so that a restart does not forget them. Format: docs/formats/tombstones.md.
import { dirname, join } from 'node:path';
import { parseObjectUname, objectUname, type BucketJson } from '../../wire/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { SerialQueue } from '../../util/serial-queue.js';
import { hasErrnoCode } from '../../errors/index.js';
import type { Disk } from '../io/disk.js';

export const tombstonesFileName = 'tombstones.log';
/** The away set's file, in the tombstones' directory. */
export const awayTargetsFileName = 'away-targets.json';
const formatVersion = 1;
/** Tombstones kept at most (the oldest go first): about 200 bytes each in memory and on disk. */
export const defaultMaxTombstones = 100_000;
/** Dropped lines tolerated beyond the live ones before the file is rewritten. */
const compactSlack = 1024;

export interface Tombstone {
  readonly bucket: BucketJson;
  readonly name: string;
  /** When the delete ran (the deleting target's clock): replicas and pieces up to this go. */
  readonly deletedAtMs: number;
  /** The cluster map version the delete ran under. */
  readonly mapVersion: number;
  /** Targets away at the delete that still have to be told. */
  readonly awayTargets: readonly string[];
}

/** `away-targets.json`: target ID → since when (ms) it is away. */
interface AwayTargetsJson {
  v: number;
  away: Record<string, number>;
}

/** One line of the log. */
interface TombstoneLine {
  v: number;
  uname: string;
  deleted_ms: number;
  map: number;
  to: string[];
}

export class Tombstones {
  readonly #byName = new Map<string, Tombstone>();
  readonly #queue = new SerialQueue();
  readonly #awayQueue = new SerialQueue();
  #away = new Map<string, number>();
  #unwritten: string[] = [];
  #lines = 0;

  private constructor(
    private readonly disk: Disk,
    private readonly path: string,
    private readonly maxEntries: number,
  ) {}

  /** Loads the log at `path` (none: no tombstones). A torn or unreadable line is skipped. */
  static async open(
    disk: Disk,
    path: string,
    maxEntries = defaultMaxTombstones,
  ): Promise<Tombstones> {
    const tombstones = new Tombstones(disk, path, maxEntries);
    const text = await readIfPresent(disk, path);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      tombstones.#lines += 1;
      const parsed = parseLine(line);
      if (parsed === undefined) continue;
      tombstones.#byName.delete(parsed.key);
      if (parsed.tombstone !== undefined) tombstones.#byName.set(parsed.key, parsed.tombstone);
    }
    tombstones.#away = parseAway(await readIfPresent(disk, tombstones.#awayPath()));
    return tombstones;
  }

  /** The targets away when this node last saved them (see `saveAway`): ID → since when. */
  awayTargets(): ReadonlyMap<string, number> {
    return this.#away;
  }

  /** Saves the away set (atomically; the latest call wins). */
  saveAway(away: ReadonlyMap<string, number>): Promise<void> {
    this.#away = new Map(away);
    const json: AwayTargetsJson = { v: formatVersion, away: Object.fromEntries(away) };
    return this.#awayQueue.run(() =>
      writeFileAtomically(this.#awayPath(), `${JSON.stringify(json)}\n`, this.disk),
    );
  }

  #awayPath(): string {
    return join(dirname(this.path), awayTargetsFileName);
  }

  get size(): number {
    return this.#byName.size;
  }

  /** Every tombstone, oldest first. */
  all(): Tombstone[] {
    return [...this.#byName.values()];
  }

  /** When `bucket/name` was deleted while targets were away, if a tombstone says so. */
  deletedAtMs(bucket: BucketJson, name: string): number | undefined {
    return this.#byName.get(objectUname(bucket, name))?.deletedAtMs;
  }

  /** The tombstones `targetId` has still to be told of. */
  owedTo(targetId: string): Tombstone[] {
    return this.all().filter((tombstone) => tombstone.awayTargets.includes(targetId));
  }

  /**
   * Records a delete (replacing an older tombstone of the name); resolves once it is on disk, with
   * the tombstone it replaced (for `restore`). When the write fails the name's tombstone is put
   * back as it was, and the call rejects.
   */
  async add(tombstone: Tombstone): Promise<Tombstone | undefined> {
    const key = objectUname(tombstone.bucket, tombstone.name);
    const previous = this.#byName.get(key);
    this.#byName.delete(key);
    if (this.#byName.size >= this.maxEntries) {
      const [oldest] = this.#byName.values();
      if (oldest !== undefined) this.#set({ ...oldest, awayTargets: [] });
    }
    this.#set(tombstone);
    try {
      await this.#flush();
    } catch (error) {
      this.#putBack(tombstone, previous);
      throw error;
    }
    return previous;
  }

  /**
   * The delete `added` was recorded for did not happen (it failed, or its precondition refused
   * it): the name's tombstone becomes `previous` again (none if undefined), unless a later delete
   * of the name replaced `added` meanwhile. A tombstone left behind would drop a live object.
   */
  restore(added: Tombstone, previous: Tombstone | undefined): Promise<void> {
    this.#putBack(added, previous);
    return this.#flush();
  }

  #putBack(added: Tombstone, previous: Tombstone | undefined): void {
    if (this.#byName.get(objectUname(added.bucket, added.name)) !== added) return;
    this.#set(previous ?? { ...added, awayTargets: [] });
  }

  /** `targetId` was told of `told`: it is no longer owed them; one owed to nobody goes. */
  delivered(targetId: string, told: readonly Tombstone[]): Promise<void> {
    for (const tombstone of told) {
      const current = this.#byName.get(objectUname(tombstone.bucket, tombstone.name));
      if (current === undefined || !current.awayTargets.includes(targetId)) continue;
      const awayTargets = current.awayTargets.filter((id) => id !== targetId);
      this.#set({ ...current, awayTargets });
    }
    return this.#flush();
  }

  /** Drops the tombstones written before `beforeMs` (the retention bound); returns how many. */
  async expire(beforeMs: number): Promise<number> {
    const old = this.all().filter((tombstone) => tombstone.deletedAtMs < beforeMs);
    for (const tombstone of old) this.#set({ ...tombstone, awayTargets: [] });
    await this.#flush();
    return old.length;
  }

  #set(tombstone: Tombstone): void {
    const key = objectUname(tombstone.bucket, tombstone.name);
    if (tombstone.awayTargets.length === 0) this.#byName.delete(key);
    else this.#byName.set(key, tombstone);
    this.#unwritten.push(formatLine(tombstone));
  }

  /** Appends what is not on disk yet (one append and fsync for every change waiting). */
  #flush(): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#unwritten.length === 0) return;
      const lines = this.#unwritten;
      this.#unwritten = [];
      try {
        if (this.#lines + lines.length > 2 * this.#byName.size + compactSlack) {
          const live = this.all().map(formatLine);
          await writeFileAtomically(this.path, live.join(''), this.disk);
          this.#lines = live.length;
          return;
        }
        const file = await this.disk.open(this.path, 'a');
        try {
          await file.writeFile(lines.join(''));
          await file.sync();
        } finally {
          await file.close();
        }
        this.#lines += lines.length;
      } catch (error) {
        // Written again by the next flush (a caller that waits on these lines sees this failure;
        // one whose lines came later must not be told they are on disk when they are not).
        this.#unwritten = [...lines, ...this.#unwritten];
        throw error;
      }
    });
  }
}

function formatLine(tombstone: Tombstone): string {
  const line: TombstoneLine = {
    v: formatVersion,
    uname: objectUname(tombstone.bucket, tombstone.name),
    deleted_ms: tombstone.deletedAtMs,
    map: tombstone.mapVersion,
    to: [...tombstone.awayTargets],
  };
  return `${JSON.stringify(line)}\n`;
}

/** A line's name and tombstone (undefined: the name's tombstone is dropped); undefined if bad. */
function parseLine(line: string): { key: string; tombstone?: Tombstone } | undefined {
  let json: Partial<TombstoneLine>;
  try {
    json = JSON.parse(line) as Partial<TombstoneLine>;
  } catch {
    return undefined;
  }
  if (json.v !== formatVersion || typeof json.uname !== 'string') return undefined;
  if (typeof json.deleted_ms !== 'number' || !Array.isArray(json.to)) return undefined;
  const parsed = parseObjectUname(json.uname);
  if (typeof parsed === 'string') return undefined;
  const awayTargets = json.to.filter((id): id is string => typeof id === 'string');
  if (awayTargets.length === 0) return { key: json.uname };
  return {
    key: json.uname,
    tombstone: {
      bucket: parsed.bucket,
      name: parsed.objectName,
      deletedAtMs: json.deleted_ms,
      mapVersion: typeof json.map === 'number' ? json.map : 0,
      awayTargets,
    },
  };
}

/** The file's text ('' when there is none). */
async function readIfPresent(disk: Disk, path: string): Promise<string> {
  try {
    return await disk.readFile(path, 'utf8');
  } catch (error) {
    if (!hasErrnoCode(error, 'ENOENT')) throw error;
    return '';
  }
}

/** The saved away set (empty when absent or unreadable: then only tombstones' lists seed it). */
function parseAway(text: string): Map<string, number> {
  const away = new Map<string, number>();
  let json: Partial<AwayTargetsJson>;
  try {
    json = JSON.parse(text) as Partial<AwayTargetsJson>;
  } catch {
    return away;
  }
  if (json.v !== formatVersion || typeof json.away !== 'object' || json.away === null) return away;
  for (const [id, since] of Object.entries(json.away))
    if (typeof since === 'number') away.set(id, since);
  return away;
}
