/**
 * The hook between the demo's usage plan and the usage feature. Returns null while the store has no
 * usage ingest to write through (the demo then writes audit events only).
 */
import type { Clock } from '../../lib/clock.js';
import type { Store } from '../../store/store.js';
import type { DemoUsageWriter } from './usage-plan.js';

export function demoUsageWriter(_store: Store, _clock: Clock): DemoUsageWriter | null {
  return null;
}
