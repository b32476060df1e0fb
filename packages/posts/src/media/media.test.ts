import { checkImage, detectImageType } from './media';

describe('featured image checks', () => {
  test.each([
    ['png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])],
    ['jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])],
    ['webp', Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')])],
    ['gif', Buffer.from('GIF89a\x01\x00')],
  ])('when the bytes start like a %s, then that is the type', (type, bytes) => {
    expect(detectImageType(bytes)).toBe(type);
  });

  test('when an SVG hides behind a BOM and whitespace, then it is refused as SVG', () => {
    expect(() => checkImage(Buffer.from('\uFEFF  \n<svg onload="alert(1)"></svg>'))).toThrow(
      /SVG images are not accepted/,
    );
  });

  test('when a RIFF file is not WebP (a WAV), then it is not an image', () => {
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]);
    expect(detectImageType(wav)).toBeUndefined();
    expect(() => checkImage(wav)).toThrow(/not a PNG, JPEG, WebP or GIF/);
  });
});
