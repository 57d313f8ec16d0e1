/**
 * Folds audit events (newest first) and admin keys into directory entries. The first name seen for
 * an id wins, so with newest-first input a rename shows the current name.
 */
import type { DirectoryEntry, DirectoryKind } from './types.js';

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);

/** The event types whose details name (or identify) a project, user, service account or API key. */
export const NAMING_TYPES = [
  'project.created',
  'project.updated',
  'api_key.created',
  'api_key.updated',
  'service_account.created',
  'service_account.updated',
  'user.added',
  'user.updated',
] as const;

const DETAIL_KIND: Record<string, DirectoryKind> = { project: 'project', api_key: 'api_key', service_account: 'service_account', user: 'user' };

export class DirectoryBuilder {
  private readonly byKey = new Map<string, DirectoryEntry>();

  /** Records what is known of an id; fields already known (from a newer record) are kept. */
  note(kind: DirectoryKind, id: string | null, at: number, fields: Partial<Pick<DirectoryEntry, 'name' | 'email' | 'projectId' | 'ownerId'>> = {}): void {
    if (!id) return;
    const key = `${kind}\u0000${id}`;
    let e = this.byKey.get(key);
    if (!e) {
      e = { kind, id, name: null, email: null, projectId: null, ownerId: null, lastSeenAt: at };
      this.byKey.set(key, e);
    }
    if (at > e.lastSeenAt) e.lastSeenAt = at;
    e.name ??= fields.name ?? null;
    e.email ??= fields.email ?? null;
    e.projectId ??= fields.projectId ?? null;
    e.ownerId ??= fields.ownerId ?? null;
  }

  /** One audit event's wire object: its project, its actor, and the details of the naming types. */
  addEvent(event: Json): void {
    const at = typeof event.effective_at === 'number' ? event.effective_at : 0;
    const project = obj(event.project);
    const projectId = str(project?.id);
    this.note('project', projectId, at, { name: str(project?.name) });

    const actor = obj(event.actor);
    const user = obj(obj(actor?.session)?.user);
    if (user) this.note('user', str(user.id), at, { name: str(user.email), email: str(user.email) });
    const key = obj(actor?.api_key);
    if (key) {
      const keyUser = obj(key.user);
      const account = obj(key.service_account);
      const ownerId = str(keyUser?.id) ?? str(account?.id);
      const isService = key.type === 'service_account' || (!keyUser && account !== null);
      this.note('api_key', str(key.id), at, { ownerId, projectId: isService ? projectId : null });
      if (keyUser) this.note('user', str(keyUser.id), at, { name: str(keyUser.email), email: str(keyUser.email) });
      if (account) this.note('service_account', str(account.id), at, { projectId });
    }

    const type = typeof event.type === 'string' ? event.type : '';
    const kind = DETAIL_KIND[type.split('.')[0] ?? ''];
    const details = obj(event[type]);
    if (!kind || !details) return;
    const data = obj(details.data);
    const changes = obj(details.changes_requested);
    const email = str(data?.email) ?? str(details.email);
    const name =
      kind === 'user' ? email : (str(changes?.name) ?? str(changes?.title) ?? str(data?.name) ?? str(data?.title) ?? str(details.name) ?? str(details.title));
    this.note(kind, str(details.id), at, {
      name,
      email: kind === 'user' ? email : null,
      projectId: kind === 'project' ? null : (str(data?.project_id) ?? projectId),
    });
  }

  addAdminKey(key: {
    id: string;
    name: string | null;
    createdAt: number;
    lastUsedAt: number | null;
    owner: { type: string; id: string; name: string; email?: string };
  }): void {
    const at = Math.max(key.createdAt, key.lastUsedAt ?? 0);
    this.note('admin_key', key.id, at, { name: key.name, ownerId: key.owner.id });
    if (key.owner.type === 'user') this.note('user', key.owner.id, at, { name: key.owner.email ?? key.owner.name, email: key.owner.email ?? null });
    else this.note('service_account', key.owner.id, at, { name: key.owner.name });
  }

  entries(): DirectoryEntry[] {
    const order: DirectoryKind[] = ['project', 'user', 'service_account', 'api_key', 'admin_key'];
    return [...this.byKey.values()].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.id.localeCompare(b.id));
  }
}
