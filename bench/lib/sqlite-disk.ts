/** Bytes on disk of a closed SQLite store: file size after a WAL checkpoint, and per table/index via dbstat. */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface DiskUsage {
  events: number;
  fileBytes: number;
  avgBodyBytes: number;
  /** Largest first; empty when dbstat is not compiled in. */
  objects: { name: string; bytes: number }[];
}

export function diskUsage(path: string): DiskUsage {
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const { events, body } = db.prepare('SELECT count(*) AS events, avg(length(body)) AS body FROM audit_events').get() as { events: number; body: number };
  let objects: { name: string; bytes: number }[] = [];
  try {
    objects = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number }[];
    objects = objects.filter((o) => o.bytes >= 1e5);
  } catch {
    objects = [];
  }
  db.close();
  let wal = 0;
  try {
    wal = statSync(`${path}-wal`).size;
  } catch {}
  return { events, fileBytes: statSync(path).size + wal, avgBodyBytes: body, objects };
}
