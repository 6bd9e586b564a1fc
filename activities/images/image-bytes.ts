// Is it really an image? The server's content type and the file's own magic bytes must agree.

export interface ImageFormat {
  extension: string;
  contentType: string;
}

const FORMATS: Array<ImageFormat & { matches: (bytes: Buffer) => boolean }> = [
  {
    extension: 'jpg',
    contentType: 'image/jpeg',
    matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  },
  {
    extension: 'png',
    contentType: 'image/png',
    matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  {
    extension: 'gif',
    contentType: 'image/gif',
    matches: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')),
  },
  {
    extension: 'webp',
    contentType: 'image/webp',
    matches: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
];

/** The format of the bytes, or a reason why they are not an image we accept. */
export function detectImageFormat(
  bytes: Buffer,
  contentType: string | undefined,
): ImageFormat | { reason: string } {
  const declared = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!declared.startsWith('image/'))
    return { reason: `content type is '${declared || 'missing'}', not an image` };
  const format = FORMATS.find((candidate) => candidate.matches(bytes));
  if (!format) {
    const start = bytes
      .subarray(0, 16)
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '.');
    return {
      reason: `declared ${declared} but the bytes are not JPEG, PNG, GIF or WebP (they start with "${start}")`,
    };
  }
  return { extension: format.extension, contentType: format.contentType };
}
