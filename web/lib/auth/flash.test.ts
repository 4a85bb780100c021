import { describe, expect, it } from 'vitest';
import { leaveFlash, takeFlash } from './flash';

/** sessionStorage as a map. */
function memoryStore() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

describe('flash', () => {
  it('is shown once: the next page takes it, and it is gone', () => {
    const store = memoryStore();
    leaveFlash('Local provider is now linked.', store);
    expect(takeFlash(store)).toBe('Local provider is now linked.');
    expect(takeFlash(store)).toBeNull();
  });

  it('is nothing without storage (blocked by the browser) or when storage throws', () => {
    expect(takeFlash(undefined)).toBeNull();
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    expect(() => leaveFlash('x', throwing)).not.toThrow();
    expect(takeFlash(throwing)).toBeNull();
  });

  it('is kept short', () => {
    const store = memoryStore();
    leaveFlash('x'.repeat(500), store);
    expect(takeFlash(store)).toHaveLength(200);
  });
});
