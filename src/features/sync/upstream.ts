/**
 * The HTTP client of the upstream organization (OpenAI, or another orgledger): GETs with the admin
 * key, paced below the upstream's limits, retried with backoff on 5xx, 408/409 and dropped
 * connections, 429 honouring retry-after and x-ratelimit-*. 401/403 fail at once naming what is
 * missing; every error carries the upstream's message and request id. The key is never printed.
 */

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly requestId: string | null,
    /** 401/403: retrying cannot help, the run stops. */
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

export interface UpstreamOptions {
  baseUrl: string;
  adminKey: string;
  /** Requests per second at most; 0 = unpaced. */
  maxRps: number;
  /** Attempts per request before its error is returned. */
  maxAttempts?: number;
  timeoutMs?: number;
  /** Called before a retry (progress lines); never receives the key. */
  onRetry?: (what: string) => void;
  /** Waits (tests and the real clock). */
  sleep?: (ms: number) => Promise<void>;
}

/** The permission each path needs, named in a 403. */
function permissionFor(path: string): string {
  if (path.includes('audit_logs')) return 'audit_logs.read (OpenAI: an admin key of an organization with audit logging turned on)';
  return 'usage.read (OpenAI: an admin key; usage and costs are organization-owner data)';
}

/** `1s`, `6m0s`, `20ms`, `0.5s` (OpenAI's x-ratelimit-reset-* format) in milliseconds. */
export function durationMs(text: string | null): number | null {
  if (!text) return null;
  let total = 0;
  let matched = false;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return matched ? total : null;
}

/** How long a 429 (or an exhausted x-ratelimit budget) asks us to wait. */
export function retryDelayMs(headers: Headers, now = Date.now()): number | null {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms)) return ms;
  const after = headers.get('retry-after');
  if (after !== null) {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return seconds * 1000;
    const at = Date.parse(after);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  return durationMs(headers.get('x-ratelimit-reset-requests')) ?? durationMs(headers.get('x-ratelimit-reset'));
}

const RETRIED = new Set([408, 409, 429]);

export class UpstreamClient {
  requests = 0;
  retries = 0;
  private nextSlot = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly base: string;

  constructor(private readonly options: UpstreamOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** GETs `path` (e.g. /organization/audit_logs) with the query; resolves to the response text. */
  async get(path: string, query: URLSearchParams): Promise<string> {
    const url = `${this.base}${path}?${query.toString()}`;
    const attempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      await this.pace();
      this.requests++;
      let res: Response;
      try {
        res = await fetch(url, {
          headers: { authorization: `Bearer ${this.options.adminKey}`, accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
        });
      } catch (err) {
        if (attempt >= attempts) throw new UpstreamError(`upstream GET ${path} failed: ${(err as Error).message}`, 0, null, false);
        await this.retryAfter(null, attempt, `GET ${path}: ${(err as Error).message}`);
        continue;
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        // The connection dropped mid-body.
        if (attempt >= attempts) throw new UpstreamError(`upstream GET ${path} failed reading the body: ${(err as Error).message}`, 0, null, false);
        await this.retryAfter(null, attempt, `GET ${path}: body cut off`);
        continue;
      }
      this.noteBudget(res.headers);
      if (res.ok) return text;
      const failure = this.describe(path, res, text);
      if (res.status === 401 || res.status === 403) throw failure;
      const retried = RETRIED.has(res.status) || res.status >= 500;
      if (!retried || res.headers.get('x-should-retry') === 'false' || attempt >= attempts) throw failure;
      await this.retryAfter(res.status === 429 ? retryDelayMs(res.headers) : null, attempt, `${failure.message}`);
    }
  }

  private describe(path: string, res: Response, text: string): UpstreamError {
    const requestId = res.headers.get('x-request-id');
    let message = text.slice(0, 300);
    let code: string | null = null;
    try {
      const body = JSON.parse(text) as { error?: { message?: string; code?: string | null; type?: string } };
      if (body.error?.message) message = body.error.message;
      code = body.error?.code ?? body.error?.type ?? null;
    } catch {
      // Not JSON: the text itself is the message.
    }
    const rid = requestId ? ` (request id ${requestId})` : '';
    const head = `upstream GET ${path} answered ${res.status}${code ? ` ${code}` : ''}: ${message}${rid}`;
    if (res.status === 401)
      return new UpstreamError(`${head}. The upstream refused the admin key: check --admin-key (an OpenAI admin key starts sk-admin-).`, 401, requestId, true);
    if (res.status === 403) return new UpstreamError(`${head}. The admin key lacks the permission ${permissionFor(path)}.`, 403, requestId, true);
    return new UpstreamError(head, res.status, requestId, false);
  }

  private async retryAfter(asked: number | null, attempt: number, what: string): Promise<void> {
    this.retries++;
    // Exponential backoff 0.5 s * 2^n capped at 8 s, with jitter so concurrent clients spread out.
    const backoff = Math.min(8000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.25);
    const ms = asked !== null ? Math.min(Math.max(asked, 0), 120_000) : backoff;
    // A 429 speaks for the whole key: requests of other streams in flight hold off too.
    if (asked !== null) this.nextSlot = Math.max(this.nextSlot, Date.now() + ms);
    this.options.onRetry?.(`${what}; retrying in ${(ms / 1000).toFixed(1)} s`);
    await this.sleep(ms);
  }

  /** An exhausted request budget (x-ratelimit-remaining-requests: 0) holds the next request until its reset. */
  private noteBudget(headers: Headers): void {
    if (headers.get('x-ratelimit-remaining-requests') !== '0') return;
    const reset = durationMs(headers.get('x-ratelimit-reset-requests'));
    if (reset !== null) this.nextSlot = Math.max(this.nextSlot, Date.now() + reset);
  }

  private async pace(): Promise<void> {
    const now = Date.now();
    const gap = this.options.maxRps > 0 ? 1000 / this.options.maxRps : 0;
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + gap;
    if (at > now) await this.sleep(at - now);
  }
}
