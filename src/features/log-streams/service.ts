/** Log streams: create (secrets shown once), list, show, remove, replay, rotate; the wire object. */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { SENDERS } from './deliverer.js';
import { streamLag } from './lag.js';
import type { CreateLogStreamBody, ReplayBody } from './schemas.js';
import type { LogStreamStore } from './store.js';
import type { LogStream, SinkConfig, StreamHeads } from './types.js';

/** Sink fields that are secrets: stored to deliver, answered only when created or rotated. */
export const SECRET_FIELDS = ['secret', 'previous_secret', 'token', 'api_key', 'password', 'secret_access_key'] as const;
/** How long a rotated-out webhook secret still signs (receivers switch over within it). */
export const ROTATION_OVERLAP_SECONDS = 24 * 3600;

const REQUIRED: Record<SinkConfig['type'], string[]> = {
  webhook: ['url'],
  splunk_hec: ['url', 'token'],
  elasticsearch: ['url', 'index'],
  syslog: ['host', 'port'],
  s3: ['bucket', 'region'],
};

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

function checkSink(sink: SinkConfig): SinkConfig {
  // Every sink type has a sender; kept so a type added to the schema first is refused, not accepted and never delivered.
  if (!SENDERS[sink.type]) throw errors.invalidParam('sink.type', `The '${sink.type}' sink is not available.`);
  for (const field of REQUIRED[sink.type]) {
    if (sink[field] === undefined) throw errors.invalidParam(`sink.${field}`, `A ${sink.type} sink needs '${field}'.`);
  }
  for (const field of ['url', 'endpoint'] as const) {
    const v = sink[field];
    if (typeof v === 'string' && !/^https?:\/\//.test(v)) throw errors.invalidParam(`sink.${field}`, `'${field}' must be an http(s) URL.`);
  }
  if (sink.type === 'webhook') {
    const secret = sink.secret ?? newWebhookSecret();
    if (typeof secret !== 'string' || !secret.startsWith('whsec_') || Buffer.from(secret.slice(6), 'base64').length < 16) {
      throw errors.invalidParam('sink.secret', "A webhook secret is 'whsec_' followed by at least 16 base64-encoded bytes.");
    }
    return { ...sink, secret };
  }
  if (sink.type === 'elasticsearch' && sink.api_key === undefined && (sink.username === undefined) !== (sink.password === undefined)) {
    throw errors.invalidParam('sink.password', 'Basic auth needs both username and password.');
  }
  return sink;
}

/** The sink as answered after creation: every secret left out. */
export function publicSink(sink: SinkConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sink)) if (!(SECRET_FIELDS as readonly string[]).includes(k) && k !== 'previous_expires_at') out[k] = v;
  return out;
}

export class LogStreamService {
  constructor(
    private readonly store: LogStreamStore,
    private readonly clock: Clock,
  ) {}

  async create(orgId: string, body: CreateLogStreamBody) {
    const sink = checkSink({ ...body.sink } as SinkConfig);
    const records = body.records ?? ['audit'];
    const heads = await this.store.logStreams.streamHeads(orgId);
    const stream: LogStream = {
      orgId,
      id: newId('logStream', this.clock.nowMs()),
      name: body.name,
      sink,
      records,
      filters: { eventTypes: body.filters?.event_types, projectIds: body.filters?.project_ids },
      maxRecords: body.batch?.max_records ?? 100,
      maxWaitMs: body.batch?.max_wait_ms ?? 1000,
      createdAt: this.clock.nowSeconds(),
      // A new stream carries what arrives from now on; `replay` sends older records.
      auditCursor: heads.audit,
      usageCursor: heads.usage,
      delivered: 0,
      failed: 0,
      retried: 0,
      attempts: 0,
      status: 'active',
      lastError: null,
      lastErrorAt: null,
      lastDeliveredAt: null,
      leaseOwner: null,
      leaseExpiresAt: null,
    };
    await this.store.write((tx) => tx.logStreams.insertLogStream(stream));
    return { ...(await this.wire(stream)), sink: { ...publicSink(sink), ...secretsOf(sink) } };
  }

  async list(orgId: string) {
    const streams = await this.store.logStreams.listLogStreams(orgId);
    return { object: 'list' as const, data: await Promise.all(streams.map((s) => this.wire(s))) };
  }

  async get(orgId: string, id: string) {
    return this.wire(await this.find(orgId, id));
  }

  async remove(orgId: string, id: string) {
    if (!(await this.store.write((tx) => tx.logStreams.deleteLogStream(orgId, id)))) throw notFound(id);
    return { id, object: 'organization.log_stream.deleted' as const, deleted: true };
  }

  async replay(orgId: string, id: string, body: ReplayBody) {
    if ((body.from_sequence === undefined) === (body.from_time === undefined)) {
      throw errors.invalidBody('Give exactly one of from_sequence and from_time.');
    }
    const to: StreamHeads =
      body.from_sequence !== undefined
        ? { audit: body.from_sequence - 1, usage: body.from_sequence - 1 }
        : await this.store.logStreams.positionsBefore(orgId, body.from_time as number);
    if (!(await this.store.write((tx) => tx.logStreams.setLogStreamCursors(orgId, id, to)))) throw notFound(id);
    return this.get(orgId, id);
  }

  /** A new webhook secret; the previous one keeps signing (a second signature) for a day. */
  async rotateSecret(orgId: string, id: string) {
    const stream = await this.find(orgId, id);
    if (stream.sink.type !== 'webhook') throw errors.invalidParam('stream_id', 'Only webhook streams have a signing secret to rotate.');
    const sink: SinkConfig = {
      ...stream.sink,
      secret: newWebhookSecret(),
      previous_secret: stream.sink.secret,
      previous_expires_at: this.clock.nowSeconds() + ROTATION_OVERLAP_SECONDS,
    };
    if (!(await this.store.write((tx) => tx.logStreams.updateLogStreamSink(orgId, id, sink)))) throw notFound(id);
    return { ...(await this.wire({ ...stream, sink })), sink: { ...publicSink(sink), secret: sink.secret } };
  }

  private async find(orgId: string, id: string): Promise<LogStream> {
    const stream = await this.store.logStreams.getLogStream(orgId, id);
    if (!stream) throw notFound(id);
    return stream;
  }

  /** The wire object: settings without secrets, cursors, how far behind the stream is, and its counters. */
  async wire(s: LogStream) {
    const lag = await streamLag(this.store.logStreams, s, this.clock.nowSeconds());
    return {
      id: s.id,
      object: 'organization.log_stream' as const,
      name: s.name,
      status: s.status,
      sink: publicSink(s.sink),
      records: s.records,
      filters: {
        ...(s.filters.eventTypes ? { event_types: s.filters.eventTypes } : {}),
        ...(s.filters.projectIds ? { project_ids: s.filters.projectIds } : {}),
      },
      batch: { max_records: s.maxRecords, max_wait_ms: s.maxWaitMs },
      cursor: { audit: s.auditCursor, usage: s.usageCursor },
      head: lag.head,
      // Records waiting, and the age of the oldest of them (0 when nothing waits).
      lag: { records: lag.records, seconds: lag.seconds },
      delivered: s.delivered,
      failed: s.failed,
      retried: s.retried,
      attempts: s.attempts,
      last_error: s.lastError,
      last_error_at: s.lastErrorAt,
      last_delivered_at: s.lastDeliveredAt,
      created_at: s.createdAt,
    };
  }
}

function secretsOf(sink: SinkConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SECRET_FIELDS) if (sink[k] !== undefined) out[k] = sink[k];
  return out;
}

const notFound = (id: string) => errors.notFound(`No log stream found with id '${id}'.`, 'stream_id');
