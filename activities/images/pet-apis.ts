// The Dog API (dog.ceo) and The Cat API, read with axios. Answers are checked against the shapes
// the APIs document; anything else is a typed rejection, never a crash or a guess.
import { ApplicationFailure } from '@temporalio/common';
import { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import { ErrorType } from '../../contracts/errors';
import { catalogBreed, InvalidBreedNameError, MIXED_BREED, type Tipo } from './breeds';

export interface ImageCandidate {
  tipo: Tipo;
  raca: string;
  sourceUrl: string;
}

export interface CandidateRejection {
  sourceUrl?: string;
  type: string;
  reason: string;
}

export interface FetchedCandidates {
  candidates: ImageCandidate[];
  rejected: CandidateRejection[];
}

function failure(type: ErrorType, message: string, nonRetryable = true): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable });
}

/** Maps an HTTP status to what the activity should do: 2xx passes, 404 rejects, 429/5xx retry. */
export function checkStatus(response: AxiosResponse, what: string): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;
  if (status === 404 || status === 410) throw failure(ErrorType.SourceNotFound, `${what} answered ${status}`);
  if (status === 429) {
    const retryAfter = Number(response.headers['retry-after']);
    throw ApplicationFailure.create({
      type: ErrorType.RateLimited,
      message: `${what} answered 429 Too Many Requests`,
      // Honour Retry-After when the API sends one; otherwise the retry policy's backoff applies.
      nextRetryDelay: Number.isFinite(retryAfter) && retryAfter > 0 ? `${retryAfter} seconds` : undefined,
    });
  }
  if (status >= 500) throw failure(ErrorType.UpstreamUnavailable, `${what} answered ${status}`, false);
  throw failure(ErrorType.MalformedResponse, `${what} answered ${status}`);
}

const TIMED_OUT = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * An HTTP call that got no usable answer, as a typed failure: a timeout or an unreachable server
 * retries (SourceTimedOut, SourceUnreachable); an answer larger than allowed, or a redirect loop,
 * is a rejection. The cause is kept.
 */
export function httpFailure(error: unknown, what: string, tooLarge: () => ApplicationFailure): unknown {
  if (!isAxiosError(error)) return error;
  const code = error.code ?? '';
  const cause = error as Error;
  if (/maxContentLength/.test(error.message)) return tooLarge();
  if (TIMED_OUT.has(code))
    return ApplicationFailure.create({
      type: ErrorType.SourceTimedOut,
      message: `${what} did not answer in time (${error.message})`,
      cause,
    });
  if (UNREACHABLE.has(code))
    return ApplicationFailure.create({
      type: ErrorType.SourceUnreachable,
      message: `${what} cannot be reached (${code}: ${error.message})`,
      cause,
    });
  if (code === 'ERR_FR_TOO_MANY_REDIRECTS')
    return ApplicationFailure.create({
      type: ErrorType.MalformedResponse,
      nonRetryable: true,
      message: `${what} redirects too many times`,
      cause,
    });
  return ApplicationFailure.create({
    type: ErrorType.SourceUnreachable,
    message: `${what}: ${code || error.name}: ${error.message}`,
    cause,
  });
}

/** An API answer over the client's 1 MB body limit is not the documented shape. */
const apiTooLarge = (what: string) => (): ApplicationFailure =>
  failure(ErrorType.MalformedResponse, `${what} answered more than 1 MB`);

function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function candidate(tipo: Tipo, apiBreed: string, sourceUrl: string): ImageCandidate | CandidateRejection {
  try {
    return { tipo, raca: catalogBreed(tipo, apiBreed), sourceUrl };
  } catch (error) {
    if (error instanceof InvalidBreedNameError) {
      return { sourceUrl, type: ErrorType.InvalidBreedName, reason: error.message };
    }
    throw error;
  }
}

function collect(results: Array<ImageCandidate | CandidateRejection>): FetchedCandidates {
  const fetched: FetchedCandidates = { candidates: [], rejected: [] };
  for (const result of results) {
    if ('raca' in result) fetched.candidates.push(result);
    else fetched.rejected.push(result);
  }
  return fetched;
}

/**
 * dog.ceo: `GET /breeds/image/random/{n}` → `{ "status": "success", "message": [url, …] }`.
 * The breed is the path segment after `breeds/` (`hound-afghan`: breed and sub-breed).
 */
export async function fetchDogCandidates(
  http: AxiosInstance,
  baseUrl: string,
  count: number,
): Promise<FetchedCandidates> {
  const what = `the Dog API (${baseUrl})`;
  const response = await http
    .get<unknown>(`${baseUrl}/breeds/image/random/${count}`, { responseType: 'json' })
    .catch((error: unknown) => {
      throw httpFailure(error, what, apiTooLarge(what));
    });
  checkStatus(response, what);
  const body = response.data as { status?: unknown; message?: unknown } | null;
  if (
    typeof body !== 'object' ||
    body === null ||
    body.status !== 'success' ||
    !Array.isArray(body.message)
  ) {
    throw failure(ErrorType.MalformedResponse, `${what} did not answer {status: "success", message: [urls]}`);
  }
  return collect(
    body.message.map((value: unknown): ImageCandidate | CandidateRejection => {
      const url = httpUrl(value);
      if (!url)
        return {
          type: ErrorType.MalformedResponse,
          reason: `not an http(s) URL: ${String(value).slice(0, 200)}`,
        };
      const segments = url.pathname.split('/');
      const breed = segments[segments.indexOf('breeds') + 1];
      if (!segments.includes('breeds') || !breed) {
        return {
          sourceUrl: url.href,
          type: ErrorType.MalformedResponse,
          reason: 'no breed in the image URL path',
        };
      }
      return candidate('cachorro', decodeURIComponent(breed), url.href);
    }),
  );
}

/**
 * The Cat API: `GET /images/search?limit={n}&has_breeds=1` → `[{ id, url, breeds: [{ name }] }]`.
 * A cat without breed data is catalogued as MIXED_BREED (sem raça definida).
 */
export async function fetchCatCandidates(
  http: AxiosInstance,
  baseUrl: string,
  count: number,
  apiKey: string,
): Promise<FetchedCandidates> {
  const what = `The Cat API (${baseUrl})`;
  const response = await http
    .get<unknown>(`${baseUrl}/images/search`, {
      params: { limit: count, has_breeds: 1 },
      headers: apiKey ? { 'x-api-key': apiKey } : {},
      responseType: 'json',
    })
    .catch((error: unknown) => {
      throw httpFailure(error, what, apiTooLarge(what));
    });
  checkStatus(response, what);
  if (!Array.isArray(response.data))
    throw failure(ErrorType.MalformedResponse, `${what} did not answer a JSON array`);
  return collect(
    response.data.slice(0, count).map((item: unknown): ImageCandidate | CandidateRejection => {
      const entry = item as { url?: unknown; breeds?: unknown } | null;
      const url = httpUrl(entry?.url);
      if (!url) return { type: ErrorType.MalformedResponse, reason: 'an image without an http(s) url' };
      const breeds = Array.isArray(entry?.breeds) ? (entry.breeds as Array<{ name?: unknown }>) : [];
      const name = breeds.find((breed) => typeof breed?.name === 'string')?.name as string | undefined;
      return candidate('gato', name ?? MIXED_BREED, url.href);
    }),
  );
}
