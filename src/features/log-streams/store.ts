/** The log-streams feature's part of the store. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { DeliveryFailure, DeliveryProgress, LogStream, SinkConfig, StreamHeads, StreamOldest, StreamRecord } from './types.js';

export interface LogStreamReads {
  listLogStreams(orgId: string): Promise<LogStream[]>;
  getLogStream(orgId: string, id: string): Promise<LogStream | null>;
  /** Every organization's streams: what a deliverer looks at. */
  listAllLogStreams(): Promise<LogStream[]>;
  /** Audit events after `seq`, in sequence order. */
  readAuditAfter(orgId: string, seq: number, limit: number): Promise<StreamRecord[]>;
  /** Usage records journaled after `seq`, in journal order. */
  readUsageAfter(orgId: string, seq: number, limit: number): Promise<StreamRecord[]>;
  streamHeads(orgId: string): Promise<StreamHeads>;
  /** When (Unix seconds of ingestion) the first record after each cursor was stored; null where none waits. */
  oldestAfter(orgId: string, cursors: StreamHeads): Promise<StreamOldest>;
  /** The last positions stored before `time` (Unix seconds of ingestion): where a replay from a time starts. */
  positionsBefore(orgId: string, time: number): Promise<StreamHeads>;
}

export interface LogStreamWrites {
  insertLogStream(stream: LogStream): Promise<void>;
  deleteLogStream(orgId: string, id: string): Promise<boolean>;
  updateLogStreamSink(orgId: string, id: string, sink: SinkConfig): Promise<boolean>;
  /** Moves both cursors (replay) and clears the failure state. */
  setLogStreamCursors(orgId: string, id: string, cursors: StreamHeads): Promise<boolean>;
  /** Takes or renews the lease when free, expired or already `owner`'s; true when `owner` holds it. */
  claimLogStreamLease(orgId: string, id: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  releaseLogStreamLease(orgId: string, id: string, owner: string): Promise<void>;
  /** Advances the cursors, only while `owner` holds the lease (a process that lost it cannot move them). */
  recordLogStreamDelivery(orgId: string, id: string, owner: string, progress: DeliveryProgress): Promise<boolean>;
  recordLogStreamFailure(orgId: string, id: string, owner: string, failure: DeliveryFailure): Promise<void>;
}

/** The store the log-streams service and deliverer need. */
export interface LogStreamStore extends Writer<{ logStreams: LogStreamWrites }> {
  readonly logStreams: LogStreamReads;
}
