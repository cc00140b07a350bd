/** Per-file progress lines on a terminal (redrawn in place), or one line per change when output is a pipe. */
export type Line = { file: string; text: string };

const BAR = 24;

export function bar(fraction: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * BAR);
  return `[${"#".repeat(filled)}${"-".repeat(BAR - filled)}]`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Pages done of total, the rate since the first page finished, and the time left at that rate. */
export function pageProgress(done: number, total: number | null, startedAt: number, now = Date.now()): string {
  if (total === null) return `${bar(0)} opening…`;
  const elapsed = (now - startedAt) / 1000;
  const rate = done > 0 && elapsed > 0 ? done / elapsed : 0;
  const eta = rate > 0 ? formatDuration((total - done) / rate) : "?";
  return `${bar(total ? done / total : 0)} ${done}/${total} pages  ${rate ? `${(rate * 60).toFixed(1)} pages/min` : "-- pages/min"}  ETA ${eta}`;
}

export function createProgress(stream: NodeJS.WriteStream & { isTTY?: boolean }) {
  const lines = new Map<string, string>();
  const printed = new Map<string, string>();
  let drawn = 0;
  const tty = Boolean(stream.isTTY);
  const width = () => (stream.columns ?? 100) - 1;

  function redraw() {
    if (drawn) stream.write(`\x1b[${drawn}A`);
    for (const [file, text] of lines) stream.write(`\x1b[2K${`${file}  ${text}`.slice(0, width())}\n`);
    drawn = lines.size;
  }

  return {
    update(file: string, text: string, opts: { important?: boolean } = {}) {
      lines.set(file, text);
      if (tty) redraw();
      else if (opts.important && printed.get(file) !== text) {
        printed.set(file, text);
        stream.write(`${file}  ${text}\n`);
      }
    },
  };
}
