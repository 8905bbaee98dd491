// `/v1/download` on a target's intra-cluster port: a gateway reads this target's share of a download
// job (`GET ?id=[&only_active=true]`), the list of its shares (`GET`), and has it forget a job that
// ended (`DELETE ?id=`). Jobs start and abort through `/v1/jobs` as every kind does.
import { sendValue, type InternalRoute } from '../../api/native/index.js';
import { StoreError, badRequest } from '../../errors/index.js';
import type { TargetDownloads } from '../../jobs/index.js';

export function downloadRoute(downloads: TargetDownloads): InternalRoute {
  return (context, segments) => {
    if (segments.length > 0) throw badRequest(`unknown download request ${context.path}`);
    const id = context.query.get('id') ?? '';
    switch (context.method) {
      case 'GET':
        sendValue(
          context.res,
          id === ''
            ? downloads.list()
            : downloads.status(id, context.query.get('only_active') === 'true'),
        );
        return Promise.resolve();
      case 'DELETE':
        if (id === '') throw badRequest('download: missing "id"');
        downloads.remove(id);
        context.res.end();
        return Promise.resolve();
      default:
        throw new StoreError(
          'MethodNotAllowed',
          `${context.method} ${context.path} is not allowed`,
        );
    }
  };
}
