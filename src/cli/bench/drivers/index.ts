// The driver for a plan's API.
import type { BenchPlan } from '../bench-options.js';
import type { BenchDriver } from './bench-driver.js';
import { HttpDriver } from './http-driver.js';
import { NativeDriver } from './native-driver.js';
import { S3Driver } from './s3-driver.js';

export type { BenchDriver, ChunkObserver, ListedObject } from './bench-driver.js';
export { BenchRequestError } from './bench-driver.js';

export function createDriver(plan: BenchPlan): BenchDriver {
  switch (plan.api) {
    case 'native':
      return new NativeDriver(plan);
    case 'http':
      return new HttpDriver(plan);
    case 's3':
      if (plan.s3 === undefined) throw new Error('an S3 plan carries credentials');
      return new S3Driver(plan, plan.s3);
  }
}
