// A local stand-in for the Dog API (dog.ceo) and The Cat API: the same paths and response
// shapes, and real JPEG images. The tests use it (with faults injected per route), the
// benchmarks use it, and the main job falls back to it when the real APIs cannot be reached.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from 'jpeg-js';

export interface LocalPetApiOptions {
  port?: number;
  /** Edge of the square JPEGs; 400 (the default) gives about 100 KB. */
  imageSize?: number;
}

export type RouteOverride = (request: IncomingMessage, response: ServerResponse) => void;

const DOG_BREEDS = ['labrador', 'hound-afghan', 'poodle-toy', 'germanshepherd', 'beagle', 'pug'];
const CAT_BREEDS = [
  { id: 'pers', name: 'Persian' },
  { id: 'siam', name: 'Siamese' },
  { id: 'mcoo', name: 'Maine Coon' },
  { id: 'beng', name: 'Bengal' },
];

/** Deterministic pseudo-random numbers (mulberry32), so an image's bytes depend on its path only. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return hash >>> 0;
}

/** A real baseline JPEG: a colour gradient with noise, unique to `path`. */
export function jpegFor(path: string, size: number): Buffer {
  const next = random(seedOf(path));
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
  return encode({ data, width: size, height: size }, 90).data;
}

export class LocalPetApi {
  private server?: Server;
  private dogSequence = 0;
  private catSequence = 0;
  private readonly images = new Map<string, Buffer>();
  private readonly overrides = new Map<string, RouteOverride>();
  /** Requests served, by path (without query): what the tests count. */
  readonly hits = new Map<string, number>();

  constructor(private readonly options: LocalPetApiOptions = {}) {}

  async start(): Promise<this> {
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
        return `${this.origin}/images/breeds/${DOG_BREEDS[n % DOG_BREEDS.length]}/n${String(n).padStart(8, '0')}.jpg`;
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
          url: `${this.origin}/images/cats/cat${n}.jpg`,
          width: 320,
          height: 320,
          breeds,
        };
      });
      return json(response, 200, body);
    }
    if (url.pathname.startsWith('/images/') && url.pathname.endsWith('.jpg')) {
      let image = this.images.get(url.pathname);
      if (!image) {
        image = jpegFor(url.pathname, this.options.imageSize ?? 400);
        this.images.set(url.pathname, image);
      }
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
