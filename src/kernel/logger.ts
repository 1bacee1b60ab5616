import pino, { type Logger, type LoggerOptions } from 'pino';
import { redactIdentifiersInText } from './redact-text';

export type { Logger } from 'pino';

export interface LoggerSettings {
  level: LoggerOptions['level'];
  /** Where JSON lines go (default stdout). Tests pass a stream to read them. */
  destination?: pino.DestinationStream;
}

/**
 * The JSON logger factory. One line per event, ISO timestamps, the service name on every line; nothing
 * that could hold credentials is logged, and error messages lose the INS-shaped numbers they quote (request
 * URLs are redacted where they are logged: src/fhir/rest/redact-url.ts). Under Jest the default level is silent so test output stays clean.
 */
export function createLogger(settings: Partial<LoggerSettings> = {}): Logger {
  const level = settings.level ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info');
  const options: LoggerOptions = {
    level,
    base: { service: 'lucarne', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    serializers: { err: redactedError },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

/** pino's error serialiser, with INS-shaped numbers taken out of the message and stack. */
function redactedError(err: Error): ReturnType<typeof pino.stdSerializers.err> {
  const serialized = pino.stdSerializers.err(err);
  if (typeof serialized.message === 'string') serialized.message = redactIdentifiersInText(serialized.message);
  if (typeof serialized.stack === 'string') serialized.stack = redactIdentifiersInText(serialized.stack);
  return serialized;
}

/** A logger that drops everything, for tests and tools that have no use for logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
