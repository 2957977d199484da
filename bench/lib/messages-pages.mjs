// The raw-speed scripts' one way to ask the simulator for messages: 1000 a page, one request at a
// time on one connection, with the connector's headers (uncompressed, as the simulator answers).
import { Pool } from 'undici';

/** Opens the connection; `page(cursor)` resolves the undici response of the page at `cursor`. */
export function messagesPages(url, token) {
  const pool = new Pool(url, { connections: 1 });
  const headers = {
    authorization: `Bearer ${token}`,
    accept: 'application/json',
    'accept-encoding': 'identity',
  };
  return {
    page(cursor) {
      const query = `limit=1000${cursor ? `&start=${encodeURIComponent(cursor)}` : ''}`;
      return pool.request({ method: 'GET', path: `/v1/messages?${query}`, headers });
    },
    close: () => pool.close(),
  };
}
