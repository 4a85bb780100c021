import { describe, expect, it } from 'vitest';
import { formAlert, toProblem } from './problem';

describe('toProblem', () => {
  it('shows the detail of a sign-in failure', () => {
    const problem = toProblem(401, { title: 'Unauthorized', status: 401, detail: 'Invalid username or password.', code: 'invalid_credentials' });
    expect(problem).toEqual({ status: 401, code: 'invalid_credentials', message: 'Invalid username or password.', fieldErrors: {} });
  });

  it('keeps validation errors per field', () => {
    const problem = toProblem(400, {
      title: 'One or more validation errors occurred.',
      errors: { username: ['Username must be 3 to 64 characters long.'], password: ['Password is required.'] },
      codes: { username: ['username_length'], password: ['password_required'] },
    });
    expect(problem.fieldErrors).toEqual({ username: ['Username must be 3 to 64 characters long.'], password: ['Password is required.'] });
    // The generic title says nothing; the message is what the fields say.
    expect(problem.message).toBe('Username must be 3 to 64 characters long. Password is required.');
  });

  it('puts a conflict next to the field its code names', () => {
    const problem = toProblem(409, { title: 'Conflict', detail: 'That username is taken.', code: 'username_taken' });
    expect(problem.fieldErrors).toEqual({ username: ['That username is taken.'] });
  });

  it('survives a body that is not a problem', () => {
    expect(toProblem(502, '<html>bad gateway</html>').message).toBe('The sign-in service answered 502.');
  });

  it('points a form at its fields when they carry the messages, else shows the message', () => {
    const withFields = toProblem(409, { title: 'Conflict', detail: 'That username is taken.', code: 'username_taken' });
    const withoutFields = toProblem(401, { title: 'Unauthorized', detail: 'Current session ended.', code: 'unauthenticated' });
    expect(formAlert(withFields)).toBe('Please fix the fields marked below.');
    expect(formAlert(withoutFields)).toBe('Current session ended.');
  });
});

describe('a rate limit (429)', () => {
  const limited = { title: 'Too many requests', status: 429, detail: 'Too many attempts. Try again in 900 seconds.', code: 'rate_limited', retryAfter: 900 };

  it('says the wait in minutes, from the body', () => {
    expect(toProblem(429, limited).message).toBe('Too many attempts. Try again in 15 minutes.');
  });

  it('reads Retry-After when the body does not say', () => {
    const withoutWait = { ...limited, retryAfter: undefined };
    expect(toProblem(429, withoutWait, '120').message).toBe('Too many attempts. Try again in 2 minutes.');
    expect(toProblem(429, withoutWait, null).message).toBe('Too many attempts. Try again in a moment.');
  });

  it('is a message for the form, not for a field', () => {
    const problem = toProblem(429, limited);
    expect(problem.fieldErrors).toEqual({});
    expect(formAlert(problem)).toBe('Too many attempts. Try again in 15 minutes.');
  });

  it('leaves other 429s (the busy password hasher) as the API words them', () => {
    const busy = toProblem(429, { title: 'Too many requests', status: 429, detail: 'The server is busy checking passwords. Try again in a moment.', code: 'busy' }, '1');
    expect(busy.message).toBe('The server is busy checking passwords. Try again in a moment.');
  });
});
