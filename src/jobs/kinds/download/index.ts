// The downloader (`/v1/download`): request parsing, each target's jobs, the gateway's aggregation.
export { parseDownloadBody, type DownloadSpec } from './download-request.js';
export { DownloadMetadataKey } from './download-job.js';
export { aggregateJobs, aggregateStatus } from './download-status.js';
export { TargetDownloads } from './target-downloads.js';
export { DownloadJournal } from './download-journal.js';
