/** The parent side of the load generator: forks load-client.ts once and hands it tasks. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadTask } from './load-client.js';

export class LoadGenerator {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoadGenerator> {
    // The child inherits --import tsx from this process's execArgv.
    const child = fork(fileURLToPath(new URL('./load-client.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`load generator exited with code ${code}`)));
    });
    child.removeAllListeners('exit');
    return new LoadGenerator(child);
  }

  run(task: LoadTask): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load generator exited with code ${code}`));
      this.child.once('exit', onExit);
      this.child.once('message', (msg: { ok: boolean; result?: LoadResult; error?: string }) => {
        this.child.off('exit', onExit);
        if (msg.ok && msg.result) resolve(msg.result);
        else reject(new Error(`load generator failed: ${msg.error}`));
      });
      this.child.send(task);
    });
  }

  stop(): void {
    this.child.kill();
  }
}
