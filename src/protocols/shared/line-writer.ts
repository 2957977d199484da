import type { Writable } from 'node:stream';

/**
 * Writes newline-delimited JSON messages to stdout (or any Writable) in call order.
 * Protocol sinks must not emit a STATE before the records it covers have left the process, and must
 * not buffer without bound when the reader is slow: `sendAndFlush` gives both.
 */
export interface LineWriter {
  /** Queues messages now, without waiting (for synchronous callers such as event listeners). */
  send(messages: readonly unknown[]): void;
  /** Writes the messages and resolves once they (and everything before them) are handed to the OS. */
  sendAndFlush(messages: readonly unknown[]): Promise<void>;
  /** Resolves once everything queued so far has been written. */
  flush(): Promise<void>;
  /** Milliseconds since the epoch when the last message was queued (for heartbeats). */
  readonly lastSentAt: number;
}

export function toLines(messages: readonly unknown[]): string {
  let text = '';
  for (const message of messages) text += `${JSON.stringify(message)}\n`;
  return text;
}

export function createLineWriter(out: Writable, now: () => number = Date.now): LineWriter {
  let lastSentAt = now();
  // A failed write (EPIPE when the reader went away) must fail the next flush, not vanish.
  let failure: Error | undefined;
  const remember = (error: Error | null | undefined): void => {
    if (error && !failure) failure = error;
  };
  // Without a listener an EPIPE would crash the process; kept, it fails the next write instead.
  out.on('error', remember);

  const writeText = (text: string, done?: (error?: Error | null) => void): void => {
    lastSentAt = now();
    if (failure) {
      done?.(failure);
      return;
    }
    out.write(text, (error) => {
      remember(error);
      done?.(error ?? failure);
    });
  };

  const waitFor = (text: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      writeText(text, (error) => (error ? reject(error) : resolve()));
    });

  return {
    send(messages) {
      if (messages.length > 0) writeText(toLines(messages));
    },
    sendAndFlush(messages) {
      return waitFor(toLines(messages));
    },
    flush() {
      if (failure) return Promise.reject(failure);
      if (out.writableLength === 0) return Promise.resolve();
      // An empty chunk still travels the queue in order, so its callback means all before it is out.
      return waitFor('');
    },
    get lastSentAt() {
      return lastSentAt;
    },
  };
}
