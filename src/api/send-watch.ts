import { subscribe } from 'node:diagnostics_channel';

/**
 * The moment undici writes a request to its socket, from its diagnostics channel
 * ('undici:client:sendHeaders', a public interface): a granted request can wait in the client
 * (a connection being opened, a busy event loop) and the rate budget must count it from when it
 * really left. Requests are matched by origin, method and path in the order they were watched;
 * two identical requests in flight at once are interchangeable for that purpose.
 */

interface Watch {
  origin: string;
  method: string;
  path: string;
  onSent: () => void;
}

interface SendHeadersMessage {
  request?: { origin?: unknown; method?: unknown; path?: unknown };
}

const watches: Watch[] = [];
let subscribed = false;

function onSendHeaders(message: unknown): void {
  const request = (message as SendHeadersMessage).request;
  if (request === undefined) return;
  const index = watches.findIndex(
    (w) => w.path === request.path && w.method === request.method && w.origin === String(request.origin),
  );
  if (index < 0) return;
  const [watch] = watches.splice(index, 1);
  watch?.onSent();
}

/** Calls `onSent` when the request is written; the returned function stops watching (call it always). */
export function watchSend(origin: string, method: string, path: string, onSent: () => void): () => void {
  if (!subscribed) {
    subscribed = true;
    subscribe('undici:client:sendHeaders', onSendHeaders);
  }
  const watch: Watch = { origin, method, path, onSent };
  watches.push(watch);
  return () => {
    const index = watches.indexOf(watch);
    if (index >= 0) watches.splice(index, 1);
  };
}
