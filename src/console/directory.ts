/**
 * Names for ids, from GET /v1/organization/directory: loaded once per signed-in key and shared by
 * every view. A key without audit_logs.read (403) or a failed load leaves ids as they are.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, storedKey } from './api.js';

export type EntryKind = 'project' | 'user' | 'service_account' | 'api_key' | 'admin_key';
export interface DirectoryEntry {
  kind: EntryKind;
  id: string;
  name: string | null;
  email: string | null;
  project_id: string | null;
  owner_id: string | null;
  last_seen_at: number;
}

export class Directory {
  private readonly byId = new Map<string, DirectoryEntry>();
  constructor(readonly entries: DirectoryEntry[] = []) {
    for (const e of entries) if (!this.byId.has(e.id) || e.name) this.byId.set(e.id, e);
  }
  entry(id: string | null | undefined): DirectoryEntry | undefined {
    return id ? this.byId.get(id) : undefined;
  }
  /** The name of an id, or null when the records never named it. */
  name(id: string | null | undefined): string | null {
    return this.entry(id)?.name ?? null;
  }
  /** A label for an id: its name, else the id itself. */
  label(id: string | null | undefined): string {
    return this.name(id) ?? id ?? '';
  }
}

export const EMPTY_DIRECTORY = new Directory();
let cached: { key: string | null; at: number; promise: Promise<Directory> } | null = null;
/** Names change rarely; a view opened a minute later asks again (a key created meanwhile gets its name). */
const MAX_AGE_MS = 60_000;

export function loadDirectory(): Promise<Directory> {
  const key = storedKey();
  if (!cached || cached.key !== key || Date.now() - cached.at > MAX_AGE_MS) {
    const promise = api<{ data: DirectoryEntry[] }>('GET', 'directory').then(
      (res) => new Directory(res.data),
      () => EMPTY_DIRECTORY,
    );
    cached = { key, at: Date.now(), promise };
  }
  return cached.promise;
}

/** The directory, empty until it loads (views render ids first, names as soon as they arrive); `enabled` defers the request until the view's own data is in. */
export function useDirectory(enabled = true): Directory {
  const [dir, setDir] = useState<Directory>(EMPTY_DIRECTORY);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    loadDirectory().then((d) => {
      if (live) setDir(d);
    });
    return () => {
      live = false;
    };
  }, [enabled]);
  return dir;
}
