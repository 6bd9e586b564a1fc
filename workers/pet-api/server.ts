// A local stand-in for the Dog API (dog.ceo) and The Cat API: the same paths and response
// shapes, and real JPEG images. The tests use it (with faults injected per route), the
// benchmarks use it, and the main job falls back to it when the real APIs cannot be reached.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from 'jpeg-js';
import { seededRandom, seedOf } from '../../platform/random';

export interface LocalPetApiOptions {
  port?: number;
  /** Edge of the square JPEGs; 400 (the default) gives about 100 KB. */
  imageSize?: number;
  /**
   * Prefix of the image names (default none). A long-running server gives each start its own, so
   * that after a restart it serves new images rather than the ones already stored.
   */
  imagePrefix?: string;
}

export type RouteOverride = (request: IncomingMessage, response: ServerResponse) => void;

const DOG_BREEDS = ['labrador', 'hound-afghan', 'poodle-toy', 'germanshepherd', 'beagle', 'pug'];
const CAT_BREEDS = [
  { id: 'pers', name: 'Persian' },
  { id: 'siam', name: 'Siamese' },
  { id: 'mcoo', name: 'Maine Coon' },
  { id: 'beng', name: 'Bengal' },
];

/** Distinct pictures per image size; an image's bytes are one of them plus its own comment. */
const PICTURES = 16;
const pictures = new Map<string, Buffer>();

/** A real baseline JPEG: a colour gradient with noise. Encoding takes ~10 ms at 400 px. */
function picture(index: number, size: number): Buffer {
  const key = `${index}/${size}`;
  const cached = pictures.get(key);
  if (cached) return cached;
  const next = seededRandom(index + 1);
  const [r0, g0, b0] = [next() * 255, next() * 255, next() * 255];
  const data = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const noise = next() * 90 - 45;
      data[i] = Math.max(0, Math.min(255, r0 * (x / size) + noise));
      data[i + 1] = Math.max(0, Math.min(255, g0 * (y / size) + noise));
      data[i + 2] = Math.max(0, Math.min(255, b0 + noise));
      data[i + 3] = 255;
    }
  }
  const jpeg = encode({ data, width: size, height: size }, 90).data;
  pictures.set(key, jpeg);
  return jpeg;
}

/**
 * A real JPEG unique to `path`: one of a few pictures with `path` in a comment (COM) segment
 * right after the start-of-image marker, so every image has its own content hash without
 * encoding a new picture for each (which would make the server the bottleneck of a benchmark).
 */
export function jpegFor(path: string, size: number): Buffer {
  const base = picture(seedOf(path) % PICTURES, size);
  const text = Buffer.from(path.slice(0, 1000), 'utf8');
  const comment = Buffer.alloc(4 + text.length);
  comment.writeUInt16BE(0xfffe, 0);
  comment.writeUInt16BE(2 + text.length, 2);
  text.copy(comment, 4);
  return Buffer.concat([base.subarray(0, 2), comment, base.subarray(2)]);
}

export class LocalPetApi {
  private server?: Server;
  private dogSequence = 0;
  private catSequence = 0;
  private readonly overrides = new Map<string, RouteOverride>();
  /** Requests served, by path (without query): what the tests count. */
  readonly hits = new Map<string, number>();

  constructor(private readonly options: LocalPetApiOptions = {}) {}

  private get imageSize(): number {
    return this.options.imageSize ?? 400;
  }

  private get prefix(): string {
    return this.options.imagePrefix ? `${this.options.imagePrefix}-` : '';
  }

  async start(): Promise<this> {
    // Encoded before the first request, not during it: ~10 ms each, which made a cold cycle slow.
    for (let index = 0; index < PICTURES; index++) picture(index, this.imageSize);
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get origin(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** DOG_API_URL for this server. */
  get dogApiUrl(): string {
    return `${this.origin}/api`;
  }

  /** CAT_API_URL for this server. */
  get catApiUrl(): string {
    return `${this.origin}/v1`;
  }

  /** Answers `path` (without query) with `handler` instead of the real shape, until cleared. */
  override(path: string, handler: RouteOverride): void {
    this.overrides.set(path, handler);
  }

  clearOverrides(): void {
    this.overrides.clear();
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.origin);
    this.hits.set(url.pathname, (this.hits.get(url.pathname) ?? 0) + 1);
    const override = this.overrides.get(url.pathname);
    if (override) return override(request, response);

    const dogs = /^\/api\/breeds\/image\/random\/(\d+)$/.exec(url.pathname);
    if (dogs) {
      const count = Math.min(50, Number(dogs[1]));
      const message = Array.from({ length: count }, () => {
        const n = this.dogSequence++;
        return `${this.origin}/images/breeds/${DOG_BREEDS[n % DOG_BREEDS.length]}/${this.prefix}n${String(n).padStart(8, '0')}.jpg`;
      });
      return json(response, 200, { message, status: 'success' });
    }
    if (url.pathname === '/v1/images/search') {
      const limit = Math.min(25, Math.max(1, Number(url.searchParams.get('limit') ?? 1)));
      const body = Array.from({ length: limit }, () => {
        const n = this.catSequence++;
        // Every fifth cat comes without breed data, as The Cat API's do.
        const breeds = n % 5 === 4 ? [] : [CAT_BREEDS[n % CAT_BREEDS.length]];
        return {
          id: `cat${n}`,
          url: `${this.origin}/images/cats/${this.prefix}cat${n}.jpg`,
          width: 320,
          height: 320,
          breeds,
        };
      });
      return json(response, 200, body);
    }
    if (url.pathname.startsWith('/images/') && url.pathname.endsWith('.jpg')) {
      const image = jpegFor(url.pathname, this.imageSize);
      response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length });
      return void response.end(image);
    }
    json(response, 404, { message: 'Not found', status: 'error', code: 404 });
  }
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
