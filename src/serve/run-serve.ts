import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type Destination, describeDestination } from '../config/destination.js';
import { CioError } from '../core/errors.js';
import { type EventStore, openEventStore, REJECTED_EVENTS_TABLE } from '../destinations/registry.js';
import type { SyncResult } from '../engine/sync.js';
import { STREAM_NAMES } from '../streams/definitions.js';
import { DELIVERY_EVENTS_SPEC, DELIVERY_EVENTS_TABLE } from './delivery-event.js';
import { type ListenAddress, urlHost } from './listen-address.js';
import { ServeMetrics } from './metrics.js';
import { SyncSchedule } from './sync-schedule.js';
import { createWebhookServer, WEBHOOK_PATH } from './webhook-server.js';

export interface ServeOptions {
  destination: Destination;
  /** The signing keys; at least one. */
  keys: readonly string[];
  maxBodyBytes: number;
  listen: ListenAddress;
  tls?: { cert: Buffer; key: Buffer };
  /** 0: no scheduled sync. */
  syncEveryMs: number;
  runSync: () => Promise<SyncResult>;
  logger: Logger;
  /** Resolves when the server should stop (SIGINT/SIGTERM). */
  stopped: Promise<void>;
  /** Told the address once it listens. */
  onListening?(url: string): void;
}

/** How long a shutdown may take before the process gives up on it. */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/** Row counts for /metrics are taken at most this often. */
const ROW_COUNT_TTL_MS = 10_000;

/**
 * Receives Customer.io's reporting webhooks into `delivery_events` and runs the scheduled syncs,
 * until `stopped`; then finishes what was received and the running sync's commit, and returns.
 */
export async function runServe(opts: ServeOptions): Promise<void> {
  if (opts.keys.length === 0) {
    throw new CioError(
      'CIO_ERR_CONFIG',
      'No webhook signing key: set CIO_WEBHOOK_SIGNING_KEY or webhook_signing_key in the config file (Customer.io shows it on the reporting webhook’s page).',
    );
  }
  const { logger } = opts;
  const store = await openEventStore(opts.destination, DELIVERY_EVENTS_SPEC);
  // Row counts go over a connection of their own: counting a large PostgreSQL table must not hold
  // up the commits that acknowledgements wait for.
  let counter: EventStore | undefined;
  try {
    await store.prepare();
    counter = await openEventStore(opts.destination, DELIVERY_EVENTS_SPEC);
    const counts = counter;
    const metrics = new ServeMetrics();
    let counted: { at: number; rows: Promise<Record<string, number>> } | undefined;
    const rowCounts = () => {
      if (counted === undefined || Date.now() - counted.at > ROW_COUNT_TTL_MS) {
        counted = {
          at: Date.now(),
          rows: counts.countRows([DELIVERY_EVENTS_TABLE, REJECTED_EVENTS_TABLE, ...STREAM_NAMES]),
        };
      }
      return counted.rows;
    };
    let fatal: Error | undefined;
    let fatalStop = () => {};
    const stoppedByFault = new Promise<void>((resolve) => {
      fatalStop = resolve;
    });
    const web = createWebhookServer({
      onFatal: (error) => {
        fatal ??= error;
        fatalStop();
      },
      keys: opts.keys,
      maxBodyBytes: opts.maxBodyBytes,
      store,
      metrics,
      logger,
      rowCounts,
      ...(opts.tls ? { tls: opts.tls } : {}),
    });
    await listen(web.server, opts.listen);
    const { port } = web.server.address() as AddressInfo;
    const url = `${opts.tls ? 'https' : 'http'}://${urlHost(opts.listen)}:${port}`;
    logger.info(
      `Receiving Customer.io reporting webhooks at ${url}${WEBHOOK_PATH} into ${describeDestination(opts.destination)}`,
    );
    opts.onListening?.(url);
    const schedule = new SyncSchedule(opts.syncEveryMs, opts.runSync, metrics, logger);
    schedule.start();
    await Promise.race([opts.stopped, stoppedByFault]);
    logger.info('Stopping: finishing the requests received and the running sync');
    await Promise.all([web.stop(), schedule.stop()]);
    if (fatal) {
      throw new CioError(
        'CIO_ERR_DESTINATION_LOST',
        `The destination stopped taking writes (${fatal.message}); start cio-sync serve again (a supervisor restarting it on exit 1 does). Nothing acknowledged is lost.`,
      );
    }
    logger.info(
      `Stopped: ${metrics.count('stored')} events stored, ${metrics.count('duplicate')} repeated, ${metrics.count('rejected')} set aside`,
    );
  } finally {
    await counter?.close();
    await store.close();
  }
}

function listen(server: import('node:http').Server, { host, port }: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => resolve());
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): unknown {
  if (error.code === 'EADDRINUSE')
    return new CioError(
      'CIO_ERR_CONFIG',
      `Port ${port} on ${host} is already in use; choose another with --listen.`,
    );
  if (error.code === 'EACCES')
    return new CioError(
      'CIO_ERR_CONFIG',
      `Not allowed to listen on ${host}:${port}; choose a port above 1023.`,
    );
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return new CioError(
      'CIO_ERR_CONFIG',
      `Cannot listen on ${host}:${port}: no such local address; check --listen.`,
    );
  return error;
}
