import type { ReactNode } from 'react';

/** What a visitor sees when the API cannot be reached: the cause, and that it is not their fault. */
export function ServiceUnavailable({ action }: { action?: ReactNode }) {
  return (
    <section className="card" role="alert">
      <h1>Sign-in service unavailable</h1>
      <p>The sign-in service is unreachable right now, so we cannot check who you are. Your account is safe; please try again in a moment.</p>
      {action}
    </section>
  );
}
