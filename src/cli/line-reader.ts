/**
 * Reads a JSONL file line by line in constant memory, forwards or from the end backwards (exports
 * are newest first; importing oldest first keeps the append order of events that share a second).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface NumberedLine {
  line: number;
  text: string;
}

export async function* forwardLines(file: string): AsyncGenerator<NumberedLine> {
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  let line = 0;
  try {
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      line++;
      if (text.trim() !== '') yield { line, text };
    }
  } finally {
    if (input !== process.stdin) input.destroy();
  }
}

const CHUNK = 1 << 16;

/** The file's lines from the last to the first, with their 1-based line numbers. */
export async function* backwardLines(file: string): AsyncGenerator<NumberedLine> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    let total = 0;
    const buf = Buffer.alloc(CHUNK);
    for (let pos = 0; pos < size; pos += CHUNK) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - pos), pos);
      for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) total++;
    }
    // A last line without a trailing newline is a line too.
    let line = total + 1;
    let carry: Buffer = Buffer.alloc(0);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - CHUNK);
      const chunk = Buffer.alloc(end - start);
      await handle.read(chunk, 0, end - start, start);
      let data = Buffer.concat([chunk, carry]);
      let nl = data.lastIndexOf(10);
      while (nl !== -1) {
        const text = data.subarray(nl + 1).toString('utf8');
        if (text.trim() !== '') yield { line, text };
        line--;
        data = data.subarray(0, nl);
        nl = data.lastIndexOf(10);
      }
      carry = Buffer.from(data);
      end = start;
    }
    const text = carry.toString('utf8');
    if (text.trim() !== '') yield { line, text };
  } finally {
    await handle.close();
  }
}

/** effective_at of the first and last event lines (to tell newest-first files from oldest-first ones). */
export async function edgeTimes(file: string): Promise<{ first: number | null; last: number | null }> {
  const timeOf = (text: string) => {
    try {
      const v = (JSON.parse(text) as { effective_at?: unknown }).effective_at;
      return typeof v === 'number' ? v : null;
    } catch {
      return null;
    }
  };
  let first: number | null = null;
  for await (const { text } of forwardLines(file)) {
    first = timeOf(text);
    break;
  }
  let last: number | null = null;
  for await (const { text } of backwardLines(file)) {
    last = timeOf(text);
    break;
  }
  return { first, last };
}
