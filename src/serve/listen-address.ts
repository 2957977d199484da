import { CioError } from '../core/errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT` or `[IPv6]:PORT` (port 0: any free port). */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new CioError(
      'CIO_ERR_CONFIG',
      `--listen "${text}" is not HOST:PORT; use e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080.`,
    );
  }
  return { host: match[1] ?? match[2] ?? '127.0.0.1', port };
}

/** The address in a URL. */
export function urlHost({ host }: ListenAddress): string {
  return host.includes(':') ? `[${host}]` : host;
}
