import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with a textual level, time and service', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream });
    logger.info({ port: 8080 }, 'ready');
    logger.debug('hidden below the level');
    const [line, ...rest] = out.lines();
    expect(rest).toHaveLength(0);
    expect(line).toMatchObject({ level: 'info', msg: 'ready', port: 8080, service: 'lucarne' });
    expect(typeof line.time).toBe('string');
    expect(Number.isNaN(Date.parse(line.time as string))).toBe(false);
  });

  it('takes INS-shaped numbers out of logged error messages and stacks', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out.stream }).error({ err: new Error('duplicate key ins|urn:oid:1.2.250.1.213.1.4.8|255081416802538') }, 'x');
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('255081416802538');
    expect(text).toContain('urn:oid:1.2.250.1.213.1.4.8|[redacted]');
  });

  it('redacts credentials from logged request headers', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out.stream }).info({ req: { headers: { authorization: 'Bearer x' } } }, 'r');
    expect(JSON.stringify(out.lines()[0])).not.toContain('Bearer x');
  });

  it('is silent by default under Jest', () => {
    expect(createLogger().level).toBe('silent');
  });
});
