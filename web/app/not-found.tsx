import type { Metadata } from 'next';
import Link from 'next/link';
import { PublicFrame } from '@/components/page-frame';

export const metadata: Metadata = { title: 'Page not found · Gatehouse' };

export default function NotFound() {
  return (
    <PublicFrame>
      <section className="card">
        <p className="eyebrow">404</p>
        <h1>Page not found</h1>
        <p className="lead">There is no page at this address. It may have moved, or the link may be mistyped.</p>
        <p className="actions">
          <Link href="/" className="button-link">
            Go to the home page
          </Link>
        </p>
      </section>
    </PublicFrame>
  );
}
