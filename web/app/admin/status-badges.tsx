import type { UserSummary } from '@/lib/admin/schemas';

/** Locked, disabled and roles as badges; "active" when there is nothing to say. */
export function StatusBadges({ user }: { user: UserSummary }) {
  const badges = [
    ...(user.disabled ? [{ text: 'Disabled', tone: 'warn' }] : []),
    ...(user.locked ? [{ text: 'Locked', tone: 'warn' }] : []),
    ...user.roles.map((role) => ({ text: role, tone: '' })),
  ];
  if (badges.length === 0) return <span className="muted">Active</span>;
  return (
    <span className="badges">
      {badges.map((badge) => (
        <span key={badge.text} className={badge.tone ? `badge ${badge.tone}` : 'badge'}>
          {badge.text}
        </span>
      ))}
    </span>
  );
}
