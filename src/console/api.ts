/**
 * The console's only way to the server: the public HTTP API with the signed-in admin key. The key
 * lives in sessionStorage (gone when the tab closes) and is never written anywhere else.
 */
const KEY_STORAGE = 'orgledger.adminKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}
export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    /** The parameter the API's error names (error.param), when it names one. */
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** Called on a 401 so the app can return to the sign-in screen. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(`${name}[]`, v);
    else params.append(name, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

const MAX_ATTEMPTS = 3;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('Aborted', 'AbortError'));
    });
  });

export async function api<T>(method: string, path: string, opts: { query?: Query; body?: unknown; key?: string; signal?: AbortSignal } = {}): Promise<T> {
  const key = opts.key ?? storedKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(`/v1/organization/${path}${queryString(opts.query ?? {})}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, 'The server could not be reached. Check that orgledger is running.', null);
    }
    // Too many reads at once for this key (a busy page): wait as asked and try again, a few times.
    if (res.status !== 429 || method !== 'GET' || attempt >= MAX_ATTEMPTS) break;
    await sleep(Math.min(5, Number(res.headers.get('retry-after')) || 1) * 1000, opts.signal);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const error = (body as { error?: { message?: string; code?: string | null; param?: string | null } } | null)?.error;
    let message = error?.message ?? `The server answered ${res.status}.`;
    // Say what failed: the request, and that it was already retried.
    if (res.status === 429 && method === 'GET') message = `${message} (GET /v1/organization/${path} was answered 429 Too Many Requests ${MAX_ATTEMPTS} times.)`;
    const err = new ApiError(res.status, message, error?.code ?? null, error?.param ?? null);
    if (res.status === 401 && !opts.key) onUnauthorized();
    throw err;
  }
  return body as T;
}

/** A text/plain answer (a signed checkpoint note); errors as api() reports them. */
export async function apiText(path: string, signal?: AbortSignal): Promise<string> {
  const key = storedKey();
  const res = await fetch(`/v1/organization/${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal });
  const text = await res.text();
  if (!res.ok) {
    let message = `The server answered ${res.status}.`;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {}
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, message, null);
  }
  return text;
}

export interface LedgerLog {
  name: 'audit' | 'usage';
  origin: string;
  tree_size: number;
  root_hash: string | null;
  checkpoint_at: number | null;
}
export interface LedgerSummary {
  verifier_key: string;
  logs: LedgerLog[];
}

// Wire shapes the console reads (the subset of the spec it uses).
export interface AuditLogUser {
  id?: string;
  email?: string;
}
export interface AuditLog {
  id: string;
  type: string;
  effective_at: number;
  actor?: {
    type?: 'session' | 'api_key';
    session?: { user?: AuditLogUser; ip_address?: string };
    api_key?: { id?: string; type?: 'user' | 'service_account'; user?: AuditLogUser; service_account?: { id?: string } };
  };
  project?: { id?: string; name?: string };
  [details: string]: unknown;
}
export interface AuditLogPage {
  data: AuditLog[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}
export interface AdminKey {
  id: string;
  name: string | null;
  redacted_value: string;
  created_at: number;
  expires_at?: number | null;
  last_used_at: number | null;
  owner?: { type?: string; id?: string; name?: string; email?: string };
  scopes?: string[];
  value?: string;
}
export interface KeyPage {
  data: AdminKey[];
  has_more: boolean;
  last_id: string | null;
}
export type UsageResult = Record<string, unknown> & { object: string };
export interface Bucket {
  start_time: number;
  end_time: number;
  results: UsageResult[];
}
export interface BucketPage {
  data: Bucket[];
  has_more: boolean;
  next_page: string | null;
}

/** Every bucket of a usage or costs query, following next_page (the API pages by buckets). */
export async function allBuckets(path: string, query: Query, signal?: AbortSignal): Promise<Bucket[]> {
  const buckets: Bucket[] = [];
  let page: string | null = null;
  for (let i = 0; i < 50; i++) {
    const res: BucketPage = await api<BucketPage>('GET', path, { query: { ...query, page }, signal });
    buckets.push(...res.data);
    if (!res.has_more || !res.next_page) return buckets;
    page = res.next_page;
  }
  return buckets;
}
