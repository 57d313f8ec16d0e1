/** Wire shape of the mirror's status (GET /v1/organization/sync; TypeBox: the served OpenAPI document). */
import { type Static, Type } from '@sinclair/typebox';

const Seconds = Type.Integer({ description: 'Unix seconds' });

export const SyncStreamStatus = Type.Object({
  stream: Type.String({ description: '`audit`, `costs` or `usage.<kind>`' }),
  position: Seconds,
  lag_seconds: Type.Integer({ minimum: 0, description: 'now minus position' }),
  last_run_at: Seconds,
  last_error: Type.Union([Type.String(), Type.Null()], { description: 'the last run of this stream failed with this (upstream message and request id)' }),
  records: Type.Integer({ minimum: 0, description: 'records this stream has added, over all runs' }),
});

export const SyncStatus = Type.Object(
  {
    object: Type.Literal('organization.sync_status'),
    running: Type.Union(
      [
        Type.Object({
          pid: Type.Integer(),
          host: Type.String(),
          started_at: Seconds,
          lease_expires_at: Type.Integer({ description: 'Unix seconds; the holder renews it every 30 s while it runs' }),
        }),
        Type.Null(),
      ],
      { description: 'the run in progress (it holds the lock), or null' },
    ),
    last_run_at: Type.Union([Seconds, Type.Null()], { description: 'the latest run of any stream; null: never synced' }),
    failing: Type.Boolean({ description: 'some stream failed on its last run' }),
    streams: Type.Array(SyncStreamStatus),
  },
  { description: 'The upstream mirror (`orgledger sync`, `serve --sync-from`): per-stream cursors, last run, errors, and the run in progress' },
);
export type SyncStatus = Static<typeof SyncStatus>;
