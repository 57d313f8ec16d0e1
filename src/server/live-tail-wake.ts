/**
 * Wakes the live tail when this process commits audit events: the store's writes are wrapped so the
 * organizations a write appended to are known, and their hubs poll right after the commit instead of
 * at the next interval. Costs ingest one Set per write.
 */
import type { StoredAuditEvent } from '../features/audit-logs/types.js';
import type { Store, WriteTx } from '../store/store.js';

export function wakeOnAuditCommit(store: Store, wake: (orgIds: Set<string>) => void): Store {
  const write = <T>(work: (tx: WriteTx) => Promise<T>): Promise<T> => {
    const touched = new Set<string>();
    return store
      .write((tx) => {
        const audit = Object.create(tx.audit, {
          insertAuditEvents: {
            value: (events: StoredAuditEvent[]) => {
              for (const e of events) touched.add(e.orgId);
              return tx.audit.insertAuditEvents(events);
            },
          },
        }) as WriteTx['audit'];
        return work(Object.create(tx, { audit: { value: audit } }) as WriteTx);
      })
      .then((result) => {
        if (touched.size > 0) wake(touched);
        return result;
      });
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'write') return write;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
