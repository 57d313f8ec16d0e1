import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import { DirectoryResponse } from './schemas.js';
import { buildDirectory } from './service.js';
import type { DirectoryStore } from './store.js';
import type { Directory } from './types.js';

/** One scan per organization serves every request for this long: consoles ask on each page load. */
export const DIRECTORY_CACHE_MS = 15_000;

export async function directoryRoutes(app: FastifyInstance, deps: { store: DirectoryStore }): Promise<void> {
  const cache = new Map<string, { at: number; dir: Promise<Directory> }>();
  const directoryOf = (orgId: string): Promise<Directory> => {
    const hit = cache.get(orgId);
    if (hit && Date.now() - hit.at < DIRECTORY_CACHE_MS) return hit.dir;
    const dir = buildDirectory(deps.store, orgId);
    cache.set(orgId, { at: Date.now(), dir });
    dir.catch(() => cache.delete(orgId));
    return dir;
  };
  // Extension: names for the ids the audit log carries (it reads the audit log, hence its scope).
  app.get('/v1/organization/directory', { config: { scope: 'audit_logs.read' }, schema: { response: { 200: DirectoryResponse } } }, async (request) => {
    const dir = await directoryOf(principalOf(request).orgId);
    return {
      object: 'organization.directory' as const,
      data: dir.entries.map((e) => ({
        object: 'organization.directory.entry' as const,
        kind: e.kind,
        id: e.id,
        name: e.name,
        email: e.email,
        project_id: e.projectId,
        owner_id: e.ownerId,
        last_seen_at: e.lastSeenAt,
      })),
      scanned_events: dir.scannedEvents,
      truncated: dir.truncated,
    };
  });
}
