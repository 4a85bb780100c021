import Link from 'next/link';
import { LocalTime } from '@/components/local-time';
import type { AuditEventView } from '@/lib/admin/schemas';

const userLink = (id: string | null) => (id ? <Link href={`/admin/users/${encodeURIComponent(id)}`}>{id.slice(0, 8)}</Link> : <span className="muted">–</span>);

/** Audit events, newest first as the API gives them. Ids are shortened in the cell; the link leads to the whole account. */
export function AuditTable({ events, caption, showUser = true }: { events: readonly AuditEventView[]; caption: string; showUser?: boolean }) {
  if (events.length === 0) return <p className="panel muted">No events.</p>;
  const captionId = `caption-${caption.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="table-scroll" role="region" aria-labelledby={captionId} tabIndex={0}>
      <table className="data">
        <caption id={captionId} className="visually-hidden">
          {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Outcome</th>
            {showUser && <th scope="col">User</th>}
            <th scope="col">By admin</th>
            <th scope="col">IP address</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td>
                <LocalTime iso={event.at} />
              </td>
              <td>
                <code>{event.event}</code>
              </td>
              <td>
                <span className={event.outcome === 'success' ? 'badge plain' : 'badge warn'}>{event.outcome}</span>
              </td>
              {showUser && <td>{userLink(event.userId)}</td>}
              <td>{userLink(event.actorId)}</td>
              <td>{event.ipAddress ?? <span className="muted">–</span>}</td>
              <td title={event.userAgent ?? undefined}>{event.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
