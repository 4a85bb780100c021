import { describe, expect, it } from 'vitest';
import { confirmationErrors, MISMATCH_MESSAGE } from './confirm';

describe('confirmationErrors', () => {
  it('passes the same password typed twice', () => {
    expect(confirmationErrors('Tangerine-Osprey-7', 'Tangerine-Osprey-7')).toBeNull();
  });

  it('marks the confirmation when the two differ, even by case or a trailing space', () => {
    for (const confirmation of ['tangerine-osprey-7', 'Tangerine-Osprey-7 ', '']) {
      expect(confirmationErrors('Tangerine-Osprey-7', confirmation)).toEqual({ confirmPassword: [MISMATCH_MESSAGE] });
    }
  });
});
