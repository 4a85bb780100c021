import { create } from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrShape } from '@/lib/mfa/qr';

const URI = 'otpauth://totp/Gatehouse:john?secret=JBSWY3DPEHPK3PXP&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30';

describe('qrShape', () => {
  it('draws one square per dark module of the QR code, at its row and column', () => {
    const { modules } = create(URI, { errorCorrectionLevel: 'M' });
    const shape = qrShape(URI);
    expect(shape.size).toBe(modules.size);
    const squares = [...shape.path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(([, x, y]) => [Number(y), Number(x)]);
    const dark: number[][] = [];
    for (let row = 0; row < modules.size; row++) for (let column = 0; column < modules.size; column++) if (modules.get(row, column)) dark.push([row, column]);
    expect(squares).toEqual(dark);
  });

  it('has the three finder patterns: the top-left module is dark', () => {
    const shape = qrShape(URI);
    expect(shape.path.startsWith('M0 0h1v1h-1z')).toBe(true);
  });
});
