import { describe, expect, it } from 'vitest';
import { logInPath, safeNextPath } from './safe-next';

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
