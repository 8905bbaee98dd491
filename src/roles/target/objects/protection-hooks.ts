// The object hooks that data protection fills: mirror copies and EC pieces after a PUT, restore on
// a failed read, background repair after a read served from a copy, piece removal after a DELETE,
// the EC layout in HEAD answers, and verification before sending for protected buckets.
import type { DataProtection } from '../../../protect/index.js';
import { isProtected, isReplicated } from '../../../protect/index.js';
import { emptyObjectHooks, type ObjectHooks } from './object-hooks.js';

export function protectionHooks(protection: DataProtection): ObjectHooks {
  const hooks = emptyObjectHooks();
  hooks.afterPut.push((address, _object, props) =>
    protection.afterPut(address.bucket, address.name, props),
  );
  hooks.readRecovery.push((address, _failure, props) =>
    protection.recover(address.bucket, address.name, props),
  );
  hooks.afterRead.push((object, props) => protection.afterRead(object, props));
  hooks.afterDelete.push((address, props) =>
    protection.afterDelete(address.bucket, address.name, props),
  );
  hooks.describe.push(async (address, props) => {
    const own = await protection.describe(address.bucket, address.name, props);
    if (own === undefined) return undefined;
    return {
      dataSlices: own.data_slices,
      paritySlices: own.parity_slices,
      generation: own.generation,
      replicated: isReplicated(own),
      nodes: own.nodes,
    };
  });
  hooks.verifyBeforeSend = isProtected;
  return hooks;
}
