import { create } from 'qrcode';

/** A QR code as one SVG path: `size` modules square, each dark module a 1 × 1 square at its cell. */
export interface QrShape {
  readonly size: number;
  readonly path: string;
}

/**
 * The QR code of the otpauth URI, drawn here from the `qrcode` package's module matrix: the key
 * never leaves the page for a remote QR service, and the page renders plain SVG elements (no
 * injected markup, no image the CSP would have to allow). Level M survives a smudged screen.
 */
export function qrShape(text: string): QrShape {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  let path = '';
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (modules.get(row, column)) path += `M${column} ${row}h1v1h-1z`;
    }
  }
  return { size: modules.size, path };
}
