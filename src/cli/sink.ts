/** Output of exports: a file or stdout, written line by line with backpressure, plus a CSV encoder. */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { csvCell } from '../lib/csv-cell.js';

/** `orgledger logs | head`, `orgledger export --help | head`: a closed pipe ends any command quietly instead of crashing it. */
let pipeGuarded = false;
export function quietOnBrokenPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export class LineSink {
  private readonly stream: NodeJS.WritableStream;
  private readonly isFile: boolean;

  constructor(file?: string) {
    this.isFile = Boolean(file && file !== '-');
    this.stream = this.isFile ? createWriteStream(file as string) : process.stdout;
    if (!this.isFile) quietOnBrokenPipe();
  }

  /** Resolves once the line is buffered below the stream's high-water mark (constant memory at any size). */
  async write(line: string): Promise<void> {
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    if (!this.isFile) return;
    const done = once(this.stream, 'finish');
    this.stream.end();
    await done;
  }
}

/** One CSV field (RFC 4180), neutralised against formula injection (see csv-cell.ts). */
export const csvField = csvCell;

export function csvLine(values: unknown[]): string {
  return values.map(csvField).join(',');
}
