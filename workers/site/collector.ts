// The click collector: `POST /v1/clicks` takes one event, a JSON array of them, or NDJSON (one
// per line). Each record is checked against the one contract (contracts/interaction-event.schema.json);
// a record without `event_id` gets one, a visitor's click without `usuario_id` gets the visitor's
// opaque id (a cookie), a click without `timestamp` the time it arrived. The answer comes only
// after Kafka has acknowledged every accepted event (acks=all): 202 when all were accepted, 400
// naming the field and reason of each rejected record (the good ones are still accepted), 413 for
// a body or a batch too large, 503 with Retry-After when Kafka cannot be reached (nothing is
// acknowledged then: retry with the same event ids, which the stream counts once).
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type EventProblem, interactionEventProblems } from '../../activities/trends/events';
import type { InteractionEvent } from '../../contracts/trends';
import { type ClickSink, ClickSinkUnavailable } from './click-sink';

/** The visitor's opaque id, as the contract's usuario_id accepts it. */
export const VISITOR_COOKIE = 'pa_visitor';
const VISITOR_ID = /^[A-Za-z0-9_-]{1,64}$/;
const RETRY_AFTER_SECONDS = 5;

export interface CollectorOptions {
  clicks: ClickSink;
  maxBodyBytes: number;
  maxEventsPerRequest: number;
}

export interface RejectedRecord {
  /** Where the record was in the request: its place in the array, or its line (from 1) in NDJSON. */
  index: number;
  line?: number;
  problems: EventProblem[];
}

export interface CollectorAnswer {
  accepted: number;
  /** The event id of each accepted event, in the request's order. */
  eventIds: string[];
  rejected: RejectedRecord[];
}

/** NDJSON lines as they parsed: a value, or the reason a line is not JSON. */
type NdjsonLine = { line: number; value: unknown } | { line: number; error: string };

class Ndjson {
  constructor(readonly lines: NdjsonLine[]) {}
}

function parseNdjson(text: string): Ndjson {
  const lines: NdjsonLine[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      lines.push({ line: index + 1, value: JSON.parse(raw) as unknown });
    } catch {
      lines.push({ line: index + 1, error: 'is not JSON' });
    }
  });
  return new Ndjson(lines);
}

/** The visitor's id from the cookie, or a new one set on the answer. */
function visitorId(request: FastifyRequest, reply: FastifyReply): string {
  const known = request.cookies[VISITOR_COOKIE];
  if (known && VISITOR_ID.test(known)) return known;
  const id = `v-${randomBytes(16).toString('base64url')}`;
  void reply.setCookie(VISITOR_COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 365 * 86_400,
  });
  return id;
}

export function registerCollector(app: FastifyInstance, options: CollectorOptions): void {
  app.addContentTypeParser(
    ['application/x-ndjson', 'application/ndjson'],
    { parseAs: 'string', bodyLimit: options.maxBodyBytes },
    (_request, body, done) => done(null, parseNdjson(body as string)),
  );

  // Not a log line per click: only the collector's warnings (Kafka not acknowledging) and errors.
  app.post('/v1/clicks', { bodyLimit: options.maxBodyBytes, logLevel: 'warn' }, async (request, reply) => {
    const records: Array<{ index: number; line?: number; value?: unknown; error?: string }> =
      request.body instanceof Ndjson
        ? request.body.lines.map((parsed, index) => ({ index, ...parsed }))
        : (Array.isArray(request.body) ? (request.body as unknown[]) : [request.body]).map(
            (value, index) => ({
              index,
              value,
            }),
          );
    if (records.length > options.maxEventsPerRequest) {
      return reply.code(413).send({
        error: `a request carries at most ${options.maxEventsPerRequest} events, this one ${records.length}`,
      });
    }
    if (records.length === 0) return reply.code(400).send({ error: 'the request carries no event' });

    const receivedAt = new Date().toISOString();
    let visitor: string | undefined;
    const accepted: InteractionEvent[] = [];
    const rejected: RejectedRecord[] = [];
    for (const record of records) {
      const where = { index: record.index, ...(record.line !== undefined && { line: record.line }) };
      if (record.error !== undefined) {
        rejected.push({ ...where, problems: [{ field: '(event)', reason: record.error }] });
        continue;
      }
      const value = record.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        rejected.push({ ...where, problems: [{ field: '(event)', reason: 'must be a JSON object' }] });
        continue;
      }
      // Only what is absent is filled in: a null or a wrong value is the client's, and rejected.
      const event: Record<string, unknown> = { ...value };
      if (!('event_id' in event)) event.event_id = randomUUID();
      if (!('usuario_id' in event)) event.usuario_id = visitor ??= visitorId(request, reply);
      if (!('timestamp' in event)) event.timestamp = receivedAt;
      const problems = interactionEventProblems(event);
      if (problems.length > 0) rejected.push({ ...where, problems });
      else accepted.push(event as unknown as InteractionEvent);
    }

    try {
      await options.clicks.send(accepted);
    } catch (error) {
      if (!(error instanceof ClickSinkUnavailable)) throw error;
      request.log.warn({ err: error }, 'clicks not acknowledged by Kafka');
      return reply
        .code(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({
          error: `${error.message}: nothing was acknowledged; retry after ${RETRY_AFTER_SECONDS} s with the same event ids`,
          eventIds: accepted.map((event) => event.event_id),
        });
    }
    const answer: CollectorAnswer = {
      accepted: accepted.length,
      eventIds: accepted.map((event) => event.event_id),
      rejected,
    };
    return reply.code(rejected.length > 0 ? 400 : 202).send(answer);
  });
}
