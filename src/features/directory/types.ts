/** Domain types of the organization directory: names learned for the ids the records carry. */

export type DirectoryKind = 'project' | 'user' | 'service_account' | 'api_key' | 'admin_key';

export interface DirectoryEntry {
  kind: DirectoryKind;
  id: string;
  /** The display name: a project's or key's name, a user's email; null when no record named it. */
  name: string | null;
  email: string | null;
  /** The project a service account or API key belongs to, when an event said so. */
  projectId: string | null;
  /** The user or service account an API key acts for. */
  ownerId: string | null;
  /** The newest event (or key creation) that mentioned the id, Unix seconds. */
  lastSeenAt: number;
}

export interface Directory {
  entries: DirectoryEntry[];
  /** How many events were read, and whether older events were left unread (the bounds below). */
  scannedEvents: number;
  truncated: boolean;
}
