/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (pipes and CI logs stay
 * clean). Redrawn at most ten times a second.
 */
export interface Progress {
  update(done: number, total: number | null, label?: string): void;
  done(message?: string): void;
}

export function progressBar(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let drawn = false;
  return {
    update(done, total, label = '') {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && (total === null || done < total)) return;
      last = now;
      const width = 30;
      let bar: string;
      if (total !== null && total > 0) {
        const ratio = Math.min(1, done / total);
        const filled = Math.round(ratio * width);
        bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`;
      } else bar = `${done.toLocaleString('en-US')}`;
      stream.write(`\r\x1b[2K${title} ${bar} ${label}`);
      drawn = true;
    },
    done(message) {
      if (tty && drawn) stream.write('\r\x1b[2K');
      if (message) stream.write(`${message}\n`);
    },
  };
}
