import type { Metadata } from 'next';
import Link from 'next/link';
import { LocalTime } from '@/components/local-time';
import { listUsers, requireAdmin } from '@/lib/admin/server';
import { readUserQuery, userListApiPath, userPageLinks } from '@/lib/admin/queries';
import type { SearchParams, UserFilter } from '@/lib/admin/queries';
import type { UserSummary } from '@/lib/admin/schemas';
import { Pager } from './pager';
import { StatusBadges } from './status-badges';

export const metadata: Metadata = { title: 'Users · Admin · Gatehouse' };

const FILTER_LABELS: Readonly<Record<UserFilter, string>> = {
  locked: 'Locked',
  disabled: 'Disabled',
  unverified: 'Email not verified',
  mfa: 'With a second factor',
};

/** The users, searchable and filtered, a page at a time; the state lives in the address (lib/admin/queries.ts). */
export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdmin();
  const query = readUserQuery(await searchParams);
  const answer = await listUsers(userListApiPath(query));
  const links = answer.ok ? userPageLinks(query, answer.data.nextCursor) : { next: null, previous: null };
  return (
    <>
      <div className="page-header">
        <h1>Users</h1>
        <p>Find an account by username or email, then open it to unlock, disable or help its owner.</p>
      </div>
      <form className="panel filters" action="/admin" method="get" role="search" aria-label="Users">
        <div className="field">
          <label htmlFor="user-search">Search by username or email</label>
          <input id="user-search" name="q" type="search" defaultValue={query.q} autoComplete="off" spellCheck={false} aria-describedby="user-search-hint" />
          <p id="user-search-hint" className="hint">
            Matches the start of a username or an email address.
          </p>
        </div>
        <fieldset className="checks">
          <legend>Show only</legend>
          {(Object.keys(FILTER_LABELS) as UserFilter[]).map((filter) => (
            <label key={filter}>
              <input type="checkbox" name={filter} value="true" defaultChecked={query.filters.includes(filter)} />
              {FILTER_LABELS[filter]}
            </label>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" className="small">
            Search
          </button>
          {(query.q || query.filters.length > 0) && (
            <Link href="/admin" className="button-link secondary small">
              Clear
            </Link>
          )}
        </div>
      </form>
      {answer.ok ? <UserTable users={answer.data.users} /> : <p className="form-error" role="alert">{answer.message}</p>}
      <Pager next={links.next} previous={links.previous} label="Users" />
    </>
  );
}

function UserTable({ users }: { users: readonly UserSummary[] }) {
  if (users.length === 0) return <p className="panel muted">No users match.</p>;
  return (
    <div className="table-scroll" role="region" aria-labelledby="users-caption" tabIndex={0}>
      <table className="data">
        <caption id="users-caption" className="visually-hidden">
          Users
        </caption>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Second factor</th>
            <th scope="col">Last sign-in</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <th scope="row">
                <Link href={`/admin/users/${encodeURIComponent(user.id)}`}>{user.username}</Link>
              </th>
              <td>
                {user.email ?? <span className="muted">none</span>}
                {user.email && !user.emailVerified && <span className="badge plain">unverified</span>}
              </td>
              <td>
                <StatusBadges user={user} />
              </td>
              <td>{user.mfa ? 'Yes' : 'No'}</td>
              <td>{user.lastSignInAt ? <LocalTime iso={user.lastSignInAt} /> : <span className="muted">never</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
