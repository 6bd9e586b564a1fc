// The click event contract, enforced where events are produced: every producer validates
// against contracts/interaction-event.schema.json before sending.
import Ajv2020 from 'ajv/dist/2020';
import type { InteractionEvent } from '../../contracts/trends';
import schema from '../../contracts/interaction-event.schema.json';

const validate = new Ajv2020({ allErrors: true, strict: true }).compile<InteractionEvent>(schema);

export class InvalidInteractionEvent extends Error {
  override readonly name = 'InvalidInteractionEvent';
}

/** Returns the event when it follows the contract; throws naming every violation otherwise. */
export function checkInteractionEvent(event: unknown): InteractionEvent {
  if (validate(event)) return event;
  const problems = (validate.errors ?? []).map((error) =>
    `${error.instancePath || '(event)'} ${error.message ?? 'is invalid'}`.trim(),
  );
  throw new InvalidInteractionEvent(`invalid click event ${JSON.stringify(event)}: ${problems.join('; ')}`);
}
