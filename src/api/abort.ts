/** The reason an aborted signal carries, as an Error (the DOM default is a DOMException). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Parks a waiter until `start` settles it, and withdraws it when the signal aborts first.
 * `withdraw` must remove the waiter from whatever queue `start` put it in.
 */
export function waitUnlessAborted<T>(
  signal: AbortSignal | undefined,
  start: (resolve: (value: T) => void) => void,
  withdraw: () => void,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      withdraw();
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    start((value) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });
}
