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
  onSent: (freshConnection: boolean) => void;
}

interface SendHeadersMessage {
  request?: { origin?: unknown; method?: unknown; path?: unknown };
  socket?: object;
}

const watches: Watch[] = [];
/** Sockets that have carried a request already (weakly: closed ones go with their socket). */
const usedSockets = new WeakSet<object>();
let subscribed = false;

function onSendHeaders(message: unknown): void {
  const { request, socket } = message as SendHeadersMessage;
  if (request === undefined) return;
  const fresh = socket !== undefined && !usedSockets.has(socket);
  if (socket !== undefined) usedSockets.add(socket);
  const index = watches.findIndex(
    (w) => w.path === request.path && w.method === request.method && w.origin === String(request.origin),
  );
  if (index < 0) return;
  const [watch] = watches.splice(index, 1);
  watch?.onSent(fresh);
}

/**
 * Calls `onSent` when the request is written, saying whether it is the first on its connection; the
 * returned function stops watching (call it always).
 */
export function watchSend(
  origin: string,
  method: string,
  path: string,
  onSent: (freshConnection: boolean) => void,
): () => void {
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
