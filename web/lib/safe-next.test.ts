import { describe, expect, it } from 'vitest';
import { logInPath, requestedNext, safeNextPath, withNext } from './safe-next';

describe('safeNextPath', () => {
  it.each([
    ['/dashboard', '/dashboard'],
    ['/dashboard?x=1', '/dashboard?x=1'],
    ['/dashboard?x=1#part', '/dashboard?x=1#part'],
    ['/a/../dashboard', '/dashboard'],
  ])('keeps the local path %s', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it.each([
    '//evil.example',
    '//evil.example/dashboard',
    'https://evil.example',
    'http://evil.example/dashboard',
    'javascript:alert(1)',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/.//evil.example',
    'dashboard',
    '',
  ])('refuses %j and falls back to /dashboard', (next) => {
    expect(safeNextPath(next)).toBe('/dashboard');
  });

  it('falls back when next is missing or repeated', () => {
    expect(safeNextPath(undefined)).toBe('/dashboard');
    expect(safeNextPath(['/a', '/b'])).toBe('/dashboard');
    expect(safeNextPath(null, '/')).toBe('/');
  });
});

describe('logInPath', () => {
  it('carries the path and its query to the log-in page', () => {
    expect(logInPath('/dashboard?x=1')).toBe('/auth/log-in?next=%2Fdashboard%3Fx%3D1');
  });

  it('never carries an unsafe path', () => {
    expect(logInPath('//evil.example')).toBe('/auth/log-in?next=%2Fdashboard');
  });
});

describe('requestedNext', () => {
  it('is the path a visitor asked for', () => {
    expect(requestedNext('/dashboard/sessions?x=1')).toBe('/dashboard/sessions?x=1');
  });

  it('is null when none was asked for or the one asked for is unsafe', () => {
    expect(requestedNext(undefined)).toBeNull();
    expect(requestedNext(['/a', '/b'])).toBeNull();
    expect(requestedNext('//evil.example')).toBeNull();
    expect(requestedNext('https://evil.example')).toBeNull();
  });
});

describe('withNext', () => {
  it('carries the next page on, encoded', () => {
    expect(withNext('/auth/sign-up', '/dashboard/sessions?x=1')).toBe('/auth/sign-up?next=%2Fdashboard%2Fsessions%3Fx%3D1');
  });

  it('is the bare path without one', () => {
    expect(withNext('/auth/sign-up', null)).toBe('/auth/sign-up');
  });
});
