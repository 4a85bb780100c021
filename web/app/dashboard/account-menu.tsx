'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useId, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { LogOutButton } from './log-out-button';

/**
 * The signed-in user's pages, in menu order. A new page is one more line here. `mail`:
 * the page needs the API to send mail, so it is not listed when mail is off. `admin`: only
 * for admins (the console checks again itself; hiding the link is a courtesy, not the guard).
 */
const ACCOUNT_LINKS: readonly { readonly href: string; readonly label: string; readonly mail?: true; readonly admin?: true }[] = [
  { href: '/dashboard', label: 'Dashboard' },
  { href: '/dashboard/sessions', label: 'Sessions' },
  { href: '/dashboard/security', label: 'Security' },
  { href: '/dashboard/password', label: 'Password' },
  { href: '/dashboard/email', label: 'Email address', mail: true },
  { href: '/dashboard/account', label: 'Account' },
  { href: '/admin', label: 'Admin', admin: true },
];

/**
 * The account menu in the header: a disclosure button (the WAI-ARIA disclosure pattern, which
 * suits a list of links better than role="menu") that shows the account's pages and Log out.
 * Escape, a click outside and tabbing away close it; Escape puts focus back on the button.
 * The panel exists only while open: every signed-in page renders this header on the server, and a
 * closed panel (its links and a second Log out) was work on each request that nobody saw.
 */
export function AccountMenu({ username, emailEnabled, admin = false }: { username: string; emailEnabled: boolean; admin?: boolean }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const pathname = usePathname();

  useEffect(() => {
    if (!open) return;
    const closeOnOutside = (event: PointerEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', closeOnOutside);
    return () => document.removeEventListener('pointerdown', closeOnOutside);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !open) return;
    event.preventDefault();
    setOpen(false);
    button.current?.focus();
  };

  return (
    <div
      ref={root}
      className="account-menu"
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        // Only when focus moves somewhere else: a button that disables itself while it works drops focus to nowhere.
        if (event.relatedTarget instanceof Node && !event.currentTarget.contains(event.relatedTarget)) setOpen(false);
      }}
    >
      <button ref={button} type="button" className="account-button" aria-expanded={open} aria-controls={open ? panelId : undefined} onClick={() => setOpen(!open)}>
        <span className="avatar" aria-hidden="true">
          {username.slice(0, 1)}
        </span>
        <span className="visually-hidden">Account: </span>
        <span className="account-name">{username}</span>
        <svg className="chevron" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          <path d="M4 6l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </button>
      {open && (
        <div id={panelId} className="account-panel">
          <p className="who">
            Account
            <strong>{username}</strong>
          </p>
          <nav aria-label="Account">
            <ul>
              {ACCOUNT_LINKS.filter((link) => (emailEnabled || !link.mail) && (admin || !link.admin)).map((link) => (
                <li key={link.href}>
                  <Link href={link.href} aria-current={pathname === link.href ? 'page' : undefined} onClick={() => setOpen(false)}>
                    {link.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="menu-footer">
            <LogOutButton />
          </div>
        </div>
      )}
    </div>
  );
}
