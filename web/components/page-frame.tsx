import Link from 'next/link';
import type { ReactNode } from 'react';

/** The product mark, the same drawing as app/icon.svg; decorative next to the name. */
export function BrandMark({ size = 28 }: { size?: number }) {
  return (
    <svg viewBox="0 0 32 32" width={size} height={size} aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="var(--accent)" />
      <path d="M6.5 11.5h3v-2h3v2h7v-2h3v2h3V25h-19z" fill="var(--on-accent)" />
      <path d="M12.5 25v-5.5a3.5 3.5 0 0 1 7 0V25z" fill="var(--accent)" />
    </svg>
  );
}

/** The bar at the top of every page: the brand, and on the right whatever the page puts there (the account menu). */
export function SiteHeader({ plain = false, children }: { plain?: boolean; children?: ReactNode }) {
  return (
    <header className={plain ? 'site-header plain' : 'site-header'}>
      <div className="site-header-inner">
        <Link href="/" className="brand">
          <BrandMark />
          Gatehouse
        </Link>
        {children}
      </div>
    </header>
  );
}

/**
 * A page's frame: a skip link, the header, and one `main` landmark. `centered` for the public
 * pages' single card; otherwise the signed-in pages' column.
 */
export function PageFrame({ header, centered = false, children }: { header: ReactNode; centered?: boolean; children: ReactNode }) {
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      {header}
      <main id="main" tabIndex={-1} className={centered ? 'centered' : 'app'}>
        {children}
      </main>
    </>
  );
}

/** The frame of pages for visitors (log-in, sign-up, errors): the brand and a centred card. */
export function PublicFrame({ children, headerEnd }: { children: ReactNode; headerEnd?: ReactNode }) {
  return (
    <PageFrame header={<SiteHeader plain={!headerEnd}>{headerEnd}</SiteHeader>} centered>
      {children}
    </PageFrame>
  );
}
