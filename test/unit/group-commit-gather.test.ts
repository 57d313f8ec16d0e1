/**
 * Group commit gathers announced writes (store/group-commit.ts): a batch about to start waits for a
 * write announced with expect() and commits it with the others; with nothing announced, or once the
 * announcement is withdrawn, it starts at once; an announcement never kept holds it at most the wait bound (the previous batch's
 * time within [minWaitMs, maxWaitMs]).
 * The driver records the transaction calls, so which writes shared a COMMIT is read from it, not timed.
 */
import { describe, expect, it } from 'vitest';
import { GroupCommitter, type TransactionDriver } from '../../src/store/group-commit.js';

function recordingDriver() {
  const log: string[] = [];
  const driver: TransactionDriver<string[]> = {
    begin: async () => {
      log.push('BEGIN');
      return log;
    },
    savepoint: async () => undefined,
    release: async () => undefined,
    rollbackToSavepoint: async () => undefined,
    commit: async () => void log.push('COMMIT'),
    rollback: async () => void log.push('ROLLBACK'),
  };
  return { log, driver };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const HOUR = 3_600_000;
const UNBOUNDED = { minWaitMs: HOUR, maxWaitMs: HOUR };

describe('group commit gathers announced writes', () => {
  it('waits for a write announced before the batch began and commits both together', async () => {
    const { log, driver } = recordingDriver();
    const committer = new GroupCommitter(driver, 100, UNBOUNDED);
    const release = committer.expect();
    const first = committer.run(async (tx) => void tx.push('a'));
    for (let i = 0; i < 5; i++) await turn();
    expect(log).toEqual([]);
    release();
    const second = committer.run(async (tx) => void tx.push('b'));
    await Promise.all([first, second]);
    expect(log).toEqual(['BEGIN', 'a', 'b', 'COMMIT']);
    expect(committer.stats).toMatchObject({ batches: 1, jobs: 2, waits: 1 });
  });

  it('starts at once when nothing is announced, and when an announcement is withdrawn without a write', async () => {
    const { log, driver } = recordingDriver();
    const committer = new GroupCommitter(driver, 100, UNBOUNDED);
    await committer.run(async (tx) => void tx.push('a'));
    const release = committer.expect();
    const pending = committer.run(async (tx) => void tx.push('b'));
    await turn();
    release();
    release(); // idempotent: a second call does not count another write as released
    await pending;
    const again = committer.expect();
    const third = committer.run(async (tx) => void tx.push('c'));
    await turn();
    expect(log).toEqual(['BEGIN', 'a', 'COMMIT', 'BEGIN', 'b', 'COMMIT']);
    again();
    await third;
    expect(log.slice(6)).toEqual(['BEGIN', 'c', 'COMMIT']);
  });

  it('does not wait past the bound for an announcement never kept, nor once the batch is full', async () => {
    const { log, driver } = recordingDriver();
    const bounded = new GroupCommitter(driver, 100, { minWaitMs: 1, maxWaitMs: 1 });
    bounded.expect();
    await bounded.run(async (tx) => void tx.push('a'));
    const full = new GroupCommitter(driver, 2, UNBOUNDED);
    full.expect();
    await Promise.all([full.run(async (tx) => void tx.push('b')), full.run(async (tx) => void tx.push('c'))]);
    expect(log).toEqual(['BEGIN', 'a', 'COMMIT', 'BEGIN', 'b', 'c', 'COMMIT']);
  });

  it('close ends a wait and commits what is queued', async () => {
    const { log, driver } = recordingDriver();
    const committer = new GroupCommitter(driver, 100, UNBOUNDED);
    committer.expect();
    const pending = committer.run(async (tx) => void tx.push('a'));
    await turn();
    await committer.close();
    await pending;
    expect(log).toEqual(['BEGIN', 'a', 'COMMIT']);
  });
});
