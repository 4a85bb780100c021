'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const SECTIONS = [
  { href: '/admin', label: 'Users', below: '/admin/users/' },
  { href: '/admin/audit', label: 'Audit log', below: '/admin/audit/' },
] as const;

/** `page` on the section's own page; `true` on a page within it (a user's page is within Users). */
const currentness = (path: string, section: (typeof SECTIONS)[number]) =>
  path === section.href ? 'page' : path.startsWith(section.below) ? 'true' : undefined;

/** The console's sections. */
export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav className="admin-nav" aria-label="Admin console">
      <p className="eyebrow">Admin console</p>
      <ul>
        {SECTIONS.map((section) => (
          <li key={section.href}>
            <Link href={section.href} aria-current={currentness(pathname, section)}>
              {section.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
