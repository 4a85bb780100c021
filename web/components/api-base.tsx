'use client';

import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';

const ApiBaseContext = createContext<string>('/api');

/** Hands the browser's API base (`/api` or the API origin) from the server's settings to client components. */
export function ApiBaseProvider({ base, children }: { base: string; children: ReactNode }) {
  return <ApiBaseContext value={base}>{children}</ApiBaseContext>;
}

export function useApiBase(): string {
  return useContext(ApiBaseContext);
}
