// Simulated site traffic: users clicking animal profiles. Deterministic for a seed (ids, users,
// animals and their order), skewed like real traffic (a few breeds get most views, some users
// click far more than others), and shifting over time so the trends actually move.
import type { Tipo } from '../../contracts/images';
import type { InteractionEvent } from '../../contracts/trends';
import { seededRandom } from '../../platform/random';

export interface SimulatedAnimal {
  tipo: Tipo;
  raca: string;
  /** Catalog rows of this breed (animais_disponiveis.id); empty for the built-in list. */
  animalIds: number[];
}

/** What users click while the catalog is still empty. */
export const BUILT_IN_ANIMALS: readonly SimulatedAnimal[] = [
  ...['labrador', 'golden-retriever', 'pastor-alemao', 'beagle', 'poodle', 'vira-lata'].map((raca) => ({
    tipo: 'cachorro' as const,
    raca,
    animalIds: [],
  })),
  ...['persa', 'siames', 'maine-coon', 'bengal', 'sem-raca-definida'].map((raca) => ({
    tipo: 'gato' as const,
    raca,
    animalIds: [],
  })),
];

export interface ClickGeneratorOptions {
  seed: number;
  users: number;
  animals: readonly SimulatedAnimal[];
  /** Clicks between popularity shifts: each shift sends the top breed to the bottom and every other one rank up. */
  shiftEvery: number;
}

/** `0`-`9`, `a`-`f` as character codes. */
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Share of clicks that follow the current popularity ranking; the rest go to the user's favourite. */
const FOLLOW_TRENDS = 0.7;
/** Zipf exponent of breed popularity: rank r gets weight 1 / (r + 1)^s. */
const POPULARITY_SKEW = 1.1;

export class ClickGenerator {
  private readonly random: () => number;
  private readonly rankWeights: number[];
  private readonly favourites: number[];
  private index = 0;
  private lastAt?: Date;
  private lastTimestamp = '';
  private readonly uuidText = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

  constructor(private readonly options: ClickGeneratorOptions) {
    if (options.animals.length === 0) throw new Error('no animals to click');
    if (!Number.isInteger(options.users) || options.users < 1) throw new Error('users must be ≥ 1');
    this.random = seededRandom(options.seed);
    let total = 0;
    this.rankWeights = options.animals.map((_, rank) => (total += 1 / (rank + 1) ** POPULARITY_SKEW));
    this.favourites = Array.from({ length: options.users }, () => this.pickRank());
  }

  /** Clicks generated so far. */
  get generated(): number {
    return this.index;
  }

  /** The next click; `at` is its event time. */
  next(at: Date): InteractionEvent {
    const { animals, users, shiftEvery } = this.options;
    // Quadratic skew: low user ids click much more than high ones.
    const user = Math.min(users - 1, Math.floor(users * this.random() ** 2));
    const rotation = Math.floor(this.index / shiftEvery);
    const rank = this.random() < FOLLOW_TRENDS ? this.pickRank() : this.favourites[user]!;
    const animal = animals[(rank + rotation) % animals.length]!;
    const event: InteractionEvent = {
      event_id: this.uuid(),
      usuario_id: user + 1,
      raca: animal.raca,
      tipo: animal.tipo,
      timestamp: this.timestamp(at),
    };
    if (animal.animalIds.length > 0) {
      event.animal_id = animal.animalIds[Math.floor(this.random() * animal.animalIds.length)]!;
    } else {
      this.random(); // the same number of draws either way, so the sequence does not depend on ids
    }
    this.index += 1;
    return event;
  }

  private pickRank(): number {
    const target = this.random() * this.rankWeights.at(-1)!;
    const rank = this.rankWeights.findIndex((weight) => weight >= target);
    return rank === -1 ? this.rankWeights.length - 1 : rank;
  }

  /** Clicks of one batch share their time: format it once. */
  private timestamp(at: Date): string {
    if (at !== this.lastAt) {
      this.lastAt = at;
      this.lastTimestamp = at.toISOString();
    }
    return this.lastTimestamp;
  }

  /**
   * A version-4 UUID from the seeded generator: unique per click, reproducible per seed. Written
   * as bytes and read as one flat string: a string concatenated from 20 pieces is a rope that
   * every later reader (the contract check, JSON.stringify) has to flatten first.
   */
  private uuid(): string {
    const text = this.uuidText;
    let at = 0;
    for (let i = 0; i < 16; i++) {
      let byte = Math.floor(this.random() * 256);
      if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
      if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
      text[at++] = HEX_DIGITS[byte >> 4]!;
      text[at++] = HEX_DIGITS[byte & 0x0f]!;
      if (i === 3 || i === 5 || i === 7 || i === 9) at++; // the dash stays
    }
    return text.toString('latin1');
  }
}
