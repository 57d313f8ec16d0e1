import { unpricedNotes } from '../features/costs/unpriced-note.js';
import type { UnpricedUsage } from '../features/usage/types.js';
import type { Source } from './api-source.js';

interface UnpricedRow {
  kind: UnpricedUsage['kind'];
  model: string | null;
  tier: string;
  records: number;
}

/**
 * The unpriced-usage notes of the source's organization: from the store, or from the server's
 * GET /v1/organization/costs/unpriced (an extension: a server without it, such as OpenAI's own,
 * simply has none to report).
 */
export async function unpricedNotesOf(source: Source): Promise<string[]> {
  if (source.store && source.orgId) return unpricedNotes(await source.store.costs.listUnpricedUsage(await source.orgId()));
  if (!source.remote) return [];
  try {
    const list = await source.remote.get<{ data: UnpricedRow[] }>('/organization/costs/unpriced', {});
    return unpricedNotes(list.data.map((u) => ({ ...u, model: u.model ?? '' })));
  } catch {
    return [];
  }
}
