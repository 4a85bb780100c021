'use client';

import { useSyncExternalStore } from 'react';

// The clock, read on the client only and in steps of 30 s, so relative ages stay fresh without
// re-rendering every second.
const STEP_MS = 30_000;
const subscribe = (onTick: () => void) => {
  const timer = setInterval(onTick, STEP_MS);
  return () => clearInterval(timer);
};
const clientNow = () => Math.floor(Date.now() / STEP_MS) * STEP_MS;
const serverNow = () => null;

// The server does not know the viewer's zone: it writes UTC, labelled, and the client replaces it.
const utc = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "2 hours ago", "yesterday"; "just now" under a minute (the API keeps whole seconds, so no "in 1 second"). */
export function relativeAge(date: Date, now: number, locale?: string): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return 'just now';
}

/**
 * A moment in the viewer's own time zone and locale, with its age ("2 hours ago"). Rendered on
 * the server and during hydration from the server snapshot (UTC, labelled), so the HTML and the
 * first client render agree; React then renders again with the browser's clock and zone.
 */
export function LocalTime({ iso }: { iso: string }) {
  const now = useSyncExternalStore(subscribe, clientNow, serverNow);
  const date = new Date(iso);
  if (now === null) return <time dateTime={iso}>{utc.format(date)} UTC</time>;
  const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  return (
    <time dateTime={iso} title={local}>
      {relativeAge(date, now)} <span className="muted">· {local}</span>
    </time>
  );
}
