import type { ApiClient } from '../api/types.js';
import { isCioError } from '../core/errors.js';

export interface ConnectionCheck {
  /** Workspaces the key can see (the account's), when the key has that scope. */
  workspaces: { id: unknown; name: string }[];
  /** The key works but may not read the workspace list. */
  limitedScope: boolean;
}

/**
 * One cheap call that proves the key and the region: a refused key throws CIO_ERR_AUTH (the
 * client's message explains the region trap); a key without the workspaces scope still passes.
 */
export async function checkConnection(client: ApiClient, signal?: AbortSignal): Promise<ConnectionCheck> {
  try {
    const body = await client.request(
      { method: 'GET', path: '/v1/workspaces' },
      { stream: 'check', ...(signal ? { signal } : {}) },
    );
    const list = (body as { workspaces?: unknown }).workspaces;
    const workspaces = Array.isArray(list)
      ? list.map((w) => {
          const item = (w ?? {}) as Record<string, unknown>;
          return { id: item.id, name: typeof item.name === 'string' ? item.name : String(item.id) };
        })
      : [];
    return { workspaces, limitedScope: false };
  } catch (error) {
    if (isCioError(error) && error.code === 'CIO_ERR_FORBIDDEN')
      return { workspaces: [], limitedScope: true };
    throw error;
  }
}
