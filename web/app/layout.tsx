import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { ApiBaseProvider } from '@/components/api-base';
import { browserApiBase } from '@/lib/config';
import './globals.css';

// Each page names itself ("Log in · Gatehouse"); this is the fallback. The favicon is app/icon.svg.
export const metadata: Metadata = { title: 'Gatehouse', description: 'Sign in to Gatehouse.' };

export const viewport: Viewport = {
  colorScheme: 'light dark',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f6f7f9' },
    { media: '(prefers-color-scheme: dark)', color: '#0e1116' },
  ],
};

/** The document only; each section brings its frame (components/page-frame.tsx), so signed-in pages can put the account menu in the header. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  // Settings come from the environment at request time, so a page built once is never baked
  // with the build machine's API address.
  await connection();
  return (
    <html lang="en">
      <body>
        <ApiBaseProvider base={browserApiBase()}>{children}</ApiBaseProvider>
      </body>
    </html>
  );
}
