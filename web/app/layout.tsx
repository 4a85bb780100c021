import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { ApiBaseProvider } from '@/components/api-base';
import { browserApiBase } from '@/lib/config';
import './globals.css';

export const metadata: Metadata = { title: 'Gatehouse', description: 'Sign in to Gatehouse.' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Settings come from the environment at request time, so a page built once is never baked
  // with the build machine's API address.
  await connection();
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            Gatehouse
          </Link>
        </header>
        <main>
          <ApiBaseProvider base={browserApiBase()}>{children}</ApiBaseProvider>
        </main>
      </body>
    </html>
  );
}
