'use client';

import { useEffect, useState } from 'react';
import { takeFlash } from '@/lib/auth/flash';

/** Shows, once, the sentence the previous page left (lib/auth/flash.ts); nothing otherwise. */
export function FlashNotice() {
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    // Read after hydration: sessionStorage exists only in the browser.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setMessage(takeFlash());
  }, []);
  if (!message) return null;
  return (
    <p role="status" className="notice">
      {message}
    </p>
  );
}
