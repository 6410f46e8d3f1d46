// Reading a PNG the way a client does: the 8-byte signature, then the IHDR chunk with the picture's size.
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from IHDR; throws if the bytes are not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  if (png.readUInt32BE(8) !== 13 || png.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('not a PNG: IHDR missing');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
