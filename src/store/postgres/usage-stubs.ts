/**
 * Usage and costs on PostgreSQL: NOT IMPLEMENTED YET (issue 4, stage 2). The store compiles against
 * the full interface; every call fails with this one clear error.
 */
export const USAGE_NOT_IMPLEMENTED = 'usage and costs are not implemented on PostgreSQL yet';

export function notImplemented(): never {
  throw new Error(USAGE_NOT_IMPLEMENTED);
}
