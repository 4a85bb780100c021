import Link from 'next/link';
import { optionalSession } from '@/lib/auth/session';

export default async function HomePage() {
  const user = await optionalSession();
  return (
    <section className="card">
      <h1>Gatehouse</h1>
      {user ? (
        <>
          <p>
            Signed in as <strong data-testid="username">{user.username}</strong>
          </p>
          <p>
            <Link href="/dashboard">Dashboard</Link>
          </p>
        </>
      ) : (
        <>
          <p>You are not signed in.</p>
          <p className="actions">
            <Link href="/auth/log-in">Log In</Link>
            <Link href="/auth/sign-up">Sign Up</Link>
          </p>
        </>
      )}
    </section>
  );
}
