/**
 * Health endpoints, public like /metrics. /livez: the process answers. /readyz (and /healthz, kept
 * as its alias): the store is open and answers a trivial read within two seconds; otherwise 503 with
 * the OpenAI error envelope, so a load balancer stops sending traffic.
 */
import type { FastifyInstance } from 'fastify';
import type { StoreHealth } from '../http/store-failure.js';
import { errors } from '../lib/errors.js';
import type { Store } from '../store/store.js';

const READ_TIMEOUT_MS = 2000;

async function storeAnswers(store: Store): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
    });
    await Promise.race([store.keys.getOrganization('org-readiness-probe'), timeout]);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealth(app: FastifyInstance, store: Store, storeHealth?: StoreHealth): void {
  app.get('/livez', async () => ({ status: 'ok' }));
  const ready = async () => {
    // A store that answers a trivial read can still be failing elsewhere (a damaged page, a full disk).
    if (storeHealth?.failure) throw errors.unavailable(`The store is failing: ${storeHealth.failure.reason}.`);
    const problem = await storeAnswers(store);
    if (problem) throw errors.unavailable(`The store is not answering (${problem}).`);
    return { status: 'ok', engine: store.engine, pending_writes: store.pendingWrites() };
  };
  app.get('/readyz', ready);
  app.get('/healthz', ready);
}
