import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import commonPasswords from './common-passwords.json';
import { estimator } from './estimator';
import { assessPassword, PASSWORD_MAX_LENGTH } from './strength';

const SERVER_LIST = path.resolve(__dirname, '../../../server/src/Gatehouse.Api/Users/common-passwords.txt');

describe('the common-password list', () => {
  it('is the API\'s list, entry for entry', () => {
    const server = readFileSync(SERVER_LIST, 'utf8').split('\n').filter((line) => line.length > 0);
    expect(commonPasswords).toEqual(server);
  });
});

describe('assessPassword: the API\'s rules first', () => {
  it('refuses every password on the API\'s list, in any case, and so never calls one strong', () => {
    const notRefused = commonPasswords
      .flatMap((password) => [password, password.toUpperCase(), password.charAt(0).toUpperCase() + password.slice(1)])
      .filter((password) => password.length >= 8)
      .filter((password) => assessPassword(password, {}, estimator).kind !== 'refused');
    expect(notRefused).toEqual([]);
  });

  it('refuses what is too short, counting what is missing', () => {
    expect(assessPassword('Xq#9vL!', {}, estimator)).toEqual({ kind: 'refused', reason: 'too-short', message: '1 more character needed: use at least 8.' });
    expect(assessPassword('ab', {}, estimator)).toMatchObject({ reason: 'too-short', message: expect.stringContaining('6 more characters') });
  });

  it('counts length as the API does: UTF-16 units, so an emoji counts twice', () => {
    expect(assessPassword('🦊🦊🦊', {}, null)).toMatchObject({ reason: 'too-short' }); // 6 units
    expect(assessPassword('🦊🦊🦊🦊', {}, null)).toEqual({ kind: 'pending' }); // 8 units: the API takes it
  });

  it('refuses what is too long', () => {
    const long = 'Violet-Harbor-'.repeat(10);
    expect(long.length).toBeGreaterThan(PASSWORD_MAX_LENGTH);
    expect(assessPassword(long, {}, estimator)).toMatchObject({ kind: 'refused', reason: 'too-long' });
    expect(assessPassword(long.slice(0, PASSWORD_MAX_LENGTH), {}, estimator)).toMatchObject({ kind: 'scored' });
  });

  it('refuses, on a change, the current password again', () => {
    expect(assessPassword('Violet-Harbor-42', { current: 'Violet-Harbor-42' }, estimator)).toMatchObject({ kind: 'refused', reason: 'unchanged' });
    expect(assessPassword('Violet-Harbor-43', { current: 'Violet-Harbor-42' }, estimator)).toMatchObject({ kind: 'scored' });
  });

  it('says nothing for an empty field', () => {
    expect(assessPassword('', {}, estimator)).toEqual({ kind: 'empty' });
  });

  it('waits for the estimator before it scores, but applies the length rules at once', () => {
    expect(assessPassword('correct horse battery staple', {}, null)).toEqual({ kind: 'pending' });
    expect(assessPassword('short', {}, null)).toMatchObject({ kind: 'refused' });
  });
});

describe('assessPassword: zxcvbn for what the rules allow', () => {
  it('scores a long random passphrase strong and an allowed but guessable one weak', () => {
    expect(assessPassword('correct-horse-battery-staple-tiramisu', {}, estimator)).toMatchObject({ kind: 'scored', score: 4, label: 'Strong' });
    const guessable = assessPassword('qwerty2026', {}, estimator);
    expect(guessable).toMatchObject({ kind: 'scored' });
    expect(guessable.kind === 'scored' && guessable.score).toBeLessThanOrEqual(2);
  });

  it('weighs the username: a password built on it scores lower, with advice', () => {
    const password = 'vermilion-osprey';
    const alone = assessPassword(password, {}, estimator);
    const withName = assessPassword(password, { userInputs: ['vermilion-osprey'] }, estimator);
    expect(alone.kind === 'scored' && withName.kind === 'scored').toBe(true);
    if (alone.kind === 'scored' && withName.kind === 'scored') {
      expect(withName.score).toBeLessThan(alone.score);
      expect(withName.advice).not.toBeNull();
    }
  });
});
