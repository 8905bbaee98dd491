// `PUT /v1/daemon/mountpaths` on a target: attach, enable, detach, disable a mountpath at run time
// (AIStore's `attach-mp`, `enable-mp`, `detach-mp`, `disable-mp`; value = the path). A change that
// may move objects starts a resilver; its job ID is the answer.
import { readActionMessage, type RequestContext } from '../../api/common/index.js';
import { refusedAction } from '../../api/native/index.js';
import type { MetadataStore } from '../../cluster/index.js';
import { badRequest } from '../../errors/index.js';
import type { JobRegistry } from '../../jobs/index.js';
import { startResilver, type PlacementChangeHook } from '../../protect/rebalance/index.js';
import type { LocalStore, MountpathChange } from '../../storage/index.js';
import { asRecord } from '../../util/json.js';
import { Action } from '../../wire/index.js';

const changes: Readonly<Record<string, MountpathChange>> = {
  [Action.attachMountpath]: 'attach',
  [Action.enableMountpath]: 'enable',
  [Action.detachMountpath]: 'detach',
  [Action.disableMountpath]: 'disable',
};

export class MountpathActions {
  constructor(
    private readonly store: LocalStore,
    private readonly registry: JobRegistry,
    private readonly metadata: MetadataStore,
    private readonly afterMoves: PlacementChangeHook,
    /** Checks the buckets' directories against their incarnations (bucket-renames.ts). */
    private readonly recheckBuckets: () => Promise<void>,
  ) {}

  #start(): string {
    return startResilver(this.registry, this.store, this.metadata, undefined, this.afterMoves);
  }

  /** Starts a resilver (a mountpath was disabled for a failing disk); returns its job ID. */
  resilver(): string {
    return this.#start();
  }

  async run(context: RequestContext): Promise<string | undefined> {
    const message = await readActionMessage(context);
    if (message === undefined) throw badRequest('mountpaths: missing action message');
    // Own keys only, and rescan-mp / fshc-mp are refused by name rather than as malformed.
    const change = Object.hasOwn(changes, message.action) ? changes[message.action] : undefined;
    if (change === undefined) throw refusedAction('mountpath', message.action);
    // AIStore sends the path as the value; `{"mountpath": path}` and `name` are accepted too.
    const value = message.value;
    const path =
      typeof value === 'string'
        ? value
        : typeof asRecord(value)?.mountpath === 'string'
          ? String(asRecord(value)?.mountpath)
          : message.name;
    if (path === undefined || path === '')
      throw badRequest(
        'mountpaths: expected {"action": "attach-mp|enable-mp|detach-mp|disable-mp", "value": "<path>"}',
      );
    const moved = await this.store.changeMountpath(path, change);
    // A mountpath back in use may hold a bucket destroyed (and created again) meanwhile: checked
    // before the resilver moves its objects.
    if (change === 'attach' || change === 'enable') await this.recheckBuckets();
    return moved ? this.#start() : undefined;
  }

  /** Resumes a resilver a restart interrupted. */
  resumeIfPending(): void {
    if (this.store.resilverPending) this.#start();
  }
}
