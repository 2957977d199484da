import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { maskSecrets } from './secrets.js';
import { formatToSecond } from './time.js';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Plain lines for people: `2026-01-01T00:00:00Z INFO [stream] message`. */
function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        const entry = JSON.parse(line) as { time: number; level: number; msg?: string; stream?: string };
        const when = formatToSecond(entry.time);
        const where = entry.stream ? ` [${entry.stream}]` : '';
        out.write(`${when} ${LEVEL_NAMES[entry.level] ?? entry.level}${where} ${entry.msg ?? ''}\n`);
      }
      callback();
    },
  });
}

/**
 * The CLI's logger, always on stderr (stdout carries data in tap and Airbyte modes). `secrets` are
 * masked in every message, whatever the level.
 */
export function createLogger(
  format: LogFormat,
  secrets: readonly string[] = [],
  level: LogLevel = 'info',
): Logger {
  const destination = format === 'json' ? process.stderr : textStream(process.stderr);
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.epochTime,
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === 'string' ? maskSecrets(arg, secrets) : arg));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
