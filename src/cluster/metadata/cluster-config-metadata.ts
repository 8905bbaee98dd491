// Versioned cluster config: the validated values plus the version the primary assigned.
import { parseClusterConfig, type ClusterConfigValues } from '../../config/index.js';
import { asRecord } from '../../util/json.js';

export interface VersionedClusterConfigJson {
  version: string;
  config: unknown;
}

export class ClusterConfigMetadata {
  constructor(
    readonly version: number,
    readonly values: ClusterConfigValues,
  ) {}

  static initial(): ClusterConfigMetadata {
    return new ClusterConfigMetadata(1, parseClusterConfig({}));
  }

  static fromJson(json: unknown): ClusterConfigMetadata {
    const record = asRecord(json) ?? {};
    return new ClusterConfigMetadata(
      Number(record.version ?? 0),
      parseClusterConfig(record.config),
    );
  }

  toJson(): VersionedClusterConfigJson {
    return { version: String(this.version), config: this.values };
  }

  with(values: ClusterConfigValues): ClusterConfigMetadata {
    return new ClusterConfigMetadata(this.version + 1, values);
  }
}
