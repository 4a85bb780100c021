import type { Metadata } from 'next';
import Link from 'next/link';
import { listAuditEvents, requireAdmin } from '@/lib/admin/server';
import { auditExportApiPath, auditListApiPath, auditPageLinks, readAuditQuery } from '@/lib/admin/queries';
import type { SearchParams } from '@/lib/admin/queries';
import { browserApiBase } from '@/lib/config';
import { AuditTable } from '../audit-table';
import { Pager } from '../pager';

export const metadata: Metadata = { title: 'Audit log · Admin · Gatehouse' };

/**
 * The audit log, newest first, filtered by user, event, outcome and time (UTC), a page at a time;
 * "Download CSV" fetches every matching event from the API directly (through `/api` in
 * same-origin mode, from the API's origin in direct mode), with the browser's own cookies.
 */
export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireAdmin();
  const query = readAuditQuery(await searchParams);
  const answer = await listAuditEvents(auditListApiPath(query));
  const links = answer.ok ? auditPageLinks(query, answer.data.nextCursor) : { next: null, previous: null };
  const filtered = Boolean(query.userId || query.event || query.outcome || query.from || query.to);
  return (
    <>
      <div className="page-header">
        <h1>Audit log</h1>
        <p>Every sign-in, change and admin action, newest first. Times in the filters are UTC.</p>
      </div>
      <form className="panel filters" action="/admin/audit" method="get" role="search" aria-label="Audit log">
        <div className="filter-grid">
          <FilterField name="userId" label="User id" value={query.userId} />
          <FilterField name="event" label="Event" value={query.event} hint="For example sign_in or lockout." />
          <FilterField name="outcome" label="Outcome" value={query.outcome} hint="success, or an error code." />
          <FilterField name="from" label="From (UTC)" value={query.from} type="datetime-local" />
          <FilterField name="to" label="To (UTC)" value={query.to} type="datetime-local" />
        </div>
        <div className="actions">
          <button type="submit" className="small">
            Filter
          </button>
          {filtered && (
            <Link href="/admin/audit" className="button-link secondary small">
              Clear
            </Link>
          )}
          {/* A plain link: the API answers with an attachment, so the browser downloads it and stays here. */}
          <a href={`${browserApiBase()}${auditExportApiPath(query)}`} className="button-link secondary small" download>
            Download CSV
          </a>
        </div>
      </form>
      {answer.ok ? <AuditTable events={answer.data.events} caption="Audit events" /> : <p className="form-error" role="alert">{answer.message}</p>}
      <Pager next={links.next} previous={links.previous} label="Audit log" />
    </>
  );
}

function FilterField({ name, label, value, hint, type = 'text' }: { name: string; label: string; value: string; hint?: string; type?: 'text' | 'datetime-local' }) {
  const id = `audit-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} type={type} defaultValue={value} autoComplete="off" spellCheck={false} aria-describedby={hint ? `${id}-hint` : undefined} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
