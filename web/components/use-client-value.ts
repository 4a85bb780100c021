import { useSyncExternalStore } from 'react';

const noSubscription = () => () => undefined;

/**
 * A value known only in the browser that does not change while the page is open: `server` on the
 * server and while hydrating (so nothing mismatches), then `client()`.
 */
export function useClientValue<T>(client: () => T, server: T): T {
  return useSyncExternalStore(noSubscription, client, () => server);
}
