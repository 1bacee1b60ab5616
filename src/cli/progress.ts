/**
 * Import progress on stderr: a redrawn bar on a terminal, plain periodic lines otherwise (CI logs, pipes).
 */
export interface ProgressState {
  doneBytes: number;
  totalBytes: number;
  resources: number;
  errors: number;
  startedAt: number;
  current?: string;
}

export interface ProgressReporter {
  update(state: ProgressState): void;
  /** Writes a message without garbling the bar. */
  log(message: string): void;
  finish(): void;
}

const BAR_WIDTH = 28;

export function createProgressReporter(stream: NodeJS.WriteStream, intervalMs = 2000): ProgressReporter {
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  let drawn = false;

  const line = (s: ProgressState): string => {
    const fraction = s.totalBytes > 0 ? Math.min(1, s.doneBytes / s.totalBytes) : 1;
    const elapsed = (Date.now() - s.startedAt) / 1000;
    const rate = elapsed > 0 ? Math.round(s.resources / elapsed) : 0;
    const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
    const counts = `${s.resources.toLocaleString('en-US')} resources, ${rate.toLocaleString('en-US')}/s, ${s.errors} errors`;
    if (!tty) return `import: ${pct.trim()} ${counts}${s.current ? ` (${s.current})` : ''}`;
    const filled = Math.round(fraction * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${pct} ${counts}`;
  };

  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };

  return {
    update(state) {
      const now = Date.now();
      if (tty) {
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r\x1b[2K${line(state)}`);
        drawn = true;
      } else if (now - lastDraw >= intervalMs) {
        lastDraw = now;
        stream.write(`${line(state)}\n`);
      }
    },
    log(message) {
      clear();
      stream.write(`${message}\n`);
    },
    finish() {
      clear();
    },
  };
}
