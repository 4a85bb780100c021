/**
 * The console's lists keep their state in the address (search, filters, paging), so a reload, a
 * bookmark or Back shows the same page. These read that state from a page's searchParams, build
 * the API's query from it, and build the links that change it.
 *
 * Paging: the API gives only the cursor of the next page. "Previous" needs the cursors of the
 * pages before, so the address carries them as repeated `prev` parameters (an empty one is the
 * first page); the cursors are opaque and never taken apart.
 */

export type SearchParams = Readonly<Record<string, string | readonly string[] | undefined>>;

const first = (value: string | readonly string[] | undefined): string => (typeof value === 'string' ? value : (value?.[0] ?? '')).trim();
const all = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value);

/** Cursors and texts are short; anything longer is not from one of our links. */
const MAX_PARAM = 512;
const bounded = (value: string) => value.slice(0, MAX_PARAM);

export interface Paging {
  /** The cursor of the page shown; empty on the first page. */
  readonly cursor: string;
  /** The cursors of the pages before it, oldest first. */
  readonly previous: readonly string[];
}

function readPaging(params: SearchParams): Paging {
  return { cursor: bounded(first(params.cursor)), previous: all(params.prev).slice(-100).map(bounded) };
}

function withPaging(query: URLSearchParams, paging: Paging): URLSearchParams {
  for (const cursor of paging.previous) query.append('prev', cursor);
  if (paging.cursor) query.set('cursor', paging.cursor);
  return query;
}

const asPath = (path: string, query: URLSearchParams) => {
  const text = query.toString();
  return text ? `${path}?${text}` : path;
};

// ---- users ----

export const USER_FILTERS = ['locked', 'disabled', 'unverified', 'mfa'] as const;
export type UserFilter = (typeof USER_FILTERS)[number];

export interface UserQuery {
  readonly q: string;
  readonly filters: readonly UserFilter[];
  readonly paging: Paging;
}

export const USERS_PAGE_SIZE = 50;

export function readUserQuery(params: SearchParams): UserQuery {
  return {
    q: bounded(first(params.q)),
    filters: USER_FILTERS.filter((filter) => first(params[filter]) === 'true'),
    paging: readPaging(params),
  };
}

function userFilters(query: UserQuery): URLSearchParams {
  const search = new URLSearchParams();
  if (query.q) search.set('q', query.q);
  for (const filter of query.filters) search.set(filter, 'true');
  return search;
}

/** `GET /admin/users?…` for this page of the list. */
export function userListApiPath(query: UserQuery): string {
  const search = userFilters(query);
  if (query.paging.cursor) search.set('cursor', query.paging.cursor);
  search.set('limit', String(USERS_PAGE_SIZE));
  return asPath('/admin/users', search);
}

/** The console's address of the next page (null when there is none) and of the previous one (null on the first). */
export function userPageLinks(query: UserQuery, nextCursor: string | null): { readonly next: string | null; readonly previous: string | null } {
  return pageLinks('/admin', userFilters(query), query.paging, nextCursor);
}

// ---- audit log ----

export interface AuditQuery {
  readonly userId: string;
  readonly event: string;
  readonly outcome: string;
  /** As typed in the form: `YYYY-MM-DDTHH:mm`, in UTC. */
  readonly from: string;
  readonly to: string;
  readonly paging: Paging;
}

export const AUDIT_PAGE_SIZE = 100;

// What <input type="datetime-local"> submits (seconds optional).
const LOCAL_MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

export function readAuditQuery(params: SearchParams): AuditQuery {
  const moment = (value: string) => (LOCAL_MOMENT.test(value) ? value : '');
  return {
    userId: bounded(first(params.userId)),
    event: bounded(first(params.event)),
    outcome: bounded(first(params.outcome)),
    from: moment(first(params.from)),
    to: moment(first(params.to)),
    paging: readPaging(params),
  };
}

/** The form's moment, read as UTC, as the API takes it: ISO 8601 with `Z`. */
export const toUtcIso = (local: string): string => new Date(`${local.length === 16 ? `${local}:00` : local}Z`).toISOString();

/** The filters as the console's address carries them (the form's own values). */
function auditFilters(query: AuditQuery): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of ['userId', 'event', 'outcome', 'from', 'to'] as const) if (query[name]) search.set(name, query[name]);
  return search;
}

/** The filters as the API takes them, times in ISO 8601; for the list and for the CSV export. */
export function auditApiFilters(query: AuditQuery): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of ['userId', 'event', 'outcome'] as const) if (query[name]) search.set(name, query[name]);
  if (query.from) search.set('from', toUtcIso(query.from));
  if (query.to) search.set('to', toUtcIso(query.to));
  return search;
}

/** `GET /admin/audit?…` for this page of the log. */
export function auditListApiPath(query: AuditQuery): string {
  const search = auditApiFilters(query);
  if (query.paging.cursor) search.set('cursor', query.paging.cursor);
  search.set('limit', String(AUDIT_PAGE_SIZE));
  return asPath('/admin/audit', search);
}

/** `/admin/audit/export?…`: every event the filters match, as CSV (no paging). */
export const auditExportApiPath = (query: AuditQuery): string => asPath('/admin/audit/export', auditApiFilters(query));

export function auditPageLinks(query: AuditQuery, nextCursor: string | null): { readonly next: string | null; readonly previous: string | null } {
  return pageLinks('/admin/audit', auditFilters(query), query.paging, nextCursor);
}

function pageLinks(path: string, filters: URLSearchParams, paging: Paging, nextCursor: string | null) {
  const next = nextCursor ? asPath(path, withPaging(new URLSearchParams(filters), { cursor: nextCursor, previous: [...paging.previous, paging.cursor] })) : null;
  const previous = paging.cursor
    ? asPath(path, withPaging(new URLSearchParams(filters), { cursor: paging.previous.at(-1) ?? '', previous: paging.previous.slice(0, -1) }))
    : null;
  return { next, previous };
}
