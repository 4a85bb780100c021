import { describe, expect, it } from 'vitest';
import { TIMED_OUT, toProblem, UNREACHABLE } from '@/lib/api/problem';
import { fromProblem, missingFields } from './use-form-submit';

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe('missingFields', () => {
  const required = { username: 'Username is required.', password: 'Password is required.' };

  it('marks every required field left empty, in order', () => {
    expect(missingFields(form({ username: '', password: '' }), required)).toEqual({ username: ['Username is required.'], password: ['Password is required.'] });
    expect(missingFields(form({ username: 'john', password: '' }), required)).toEqual({ password: ['Password is required.'] });
  });

  it('counts a field of spaces as filled: a password may be spaces, and the API decides', () => {
    expect(missingFields(form({ username: ' ', password: '        ' }), required)).toBeNull();
  });

  it('treats a field missing from the form as empty', () => {
    expect(missingFields(form({}), required)).toEqual({ username: ['Username is required.'], password: ['Password is required.'] });
  });
});

describe('fromProblem', () => {
  it('offers to try again only when there was no answer, or none in time', () => {
    expect(fromProblem(TIMED_OUT).retryable).toBe(true);
    expect(fromProblem(UNREACHABLE).retryable).toBe(true);
    expect(fromProblem(toProblem(401, { detail: 'Invalid username or password.', code: 'invalid_credentials' })).retryable).toBe(false);
  });

  it('keeps every message of every field', () => {
    const problem = toProblem(400, { errors: { password: ['Password must be 8 to 128 characters long.', 'Password must not contain the username.'] } });
    expect(fromProblem(problem).fieldErrors.password).toHaveLength(2);
    expect(fromProblem(problem).error).toBe('Please fix the fields marked below.');
  });
});
