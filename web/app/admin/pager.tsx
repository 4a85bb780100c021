import Link from 'next/link';

/** "Previous" and "Next" for a cursor-paged list; a missing direction is shown, but not as a link. */
export function Pager({ next, previous, label }: { next: string | null; previous: string | null; label: string }) {
  if (!next && !previous) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      {previous ? (
        <Link href={previous} className="button-link secondary small" rel="prev">
          Previous
        </Link>
      ) : (
        <span />
      )}
      {next && (
        <Link href={next} className="button-link secondary small" rel="next">
          Next
        </Link>
      )}
    </nav>
  );
}
