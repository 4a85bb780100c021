import type { Problem } from '@/lib/api/problem';

/**
 * What to tell the admin when an action on `username`'s account is refused. The codes with a
 * meaning of their own are said in the console's words; anything else as the API says it.
 */
export function adminActionMessage(problem: Problem, username: string): string {
  switch (problem.code) {
    case 'last_admin':
      return `${username} is the last admin. Make another account an admin first: Gatehouse must always have one.`;
    case 'user_not_found':
      return `The account ${username} no longer exists.`;
    default:
      return problem.message;
  }
}
