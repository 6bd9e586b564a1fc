// The click event contract, enforced where events are produced: every producer validates
// against contracts/interaction-event.schema.json before sending.
import Ajv2020 from 'ajv/dist/2020';
import type { InteractionEvent } from '../../contracts/trends';
import schema from '../../contracts/interaction-event.schema.json';

const validate = new Ajv2020({ allErrors: true, strict: true }).compile<InteractionEvent>(schema);

export class InvalidInteractionEvent extends Error {
  override readonly name = 'InvalidInteractionEvent';
}

/** One way an event breaks the contract: the field (`(event)` for the whole) and why. */
export interface EventProblem {
  field: string;
  reason: string;
}

/** Every field of `event` that breaks the contract, once each, with why; none when it follows it. */
export function interactionEventProblems(event: unknown): EventProblem[] {
  if (validate(event)) return [];
  const reasons = new Map<string, string[]>();
  for (const error of validate.errors ?? []) {
    // An anyOf's own error only says that its branches failed: their errors say how.
    if (error.keyword === 'anyOf') continue;
    const missing = (error.params as { missingProperty?: string; additionalProperty?: string }) ?? {};
    const field =
      error.instancePath.slice(1) || missing.missingProperty || missing.additionalProperty || '(event)';
    reasons.set(field, [...(reasons.get(field) ?? []), error.message ?? 'is invalid']);
  }
  return [...reasons].map(([field, why]) => ({ field, reason: why.join(', or ') }));
}

/** Returns the event when it follows the contract; throws naming every violation otherwise. */
export function checkInteractionEvent(event: unknown): InteractionEvent {
  if (validate(event)) return event;
  const problems = (validate.errors ?? []).map((error) =>
    `${error.instancePath || '(event)'} ${error.message ?? 'is invalid'}`.trim(),
  );
  throw new InvalidInteractionEvent(`invalid click event ${JSON.stringify(event)}: ${problems.join('; ')}`);
}
