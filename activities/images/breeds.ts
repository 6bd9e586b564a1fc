// Breed names come from the internet. Before one touches an S3 key, a file name or a row it
// becomes a slug: ASCII, lower case, [a-z0-9-], bounded, and unable to escape its prefix.

import type { Tipo } from '../../contracts/images';

export type { Tipo };

/** Cats the Cat API returns without breed data are catalogued as mixed breed ("sem raça definida"). */
export const MIXED_BREED = 'sem-raca-definida';

export const MAX_SLUG_LENGTH = 50;

/**
 * Portuguese names for the breeds PetAdota's catalog shows under a Portuguese name, keyed by the
 * slug of the API's English name (dog.ceo's `germanshepherd`, The Cat API's `Persian`). Every
 * other breed keeps its API name, slugged.
 */
export const BREED_NAMES_PT: Readonly<Record<Tipo, Readonly<Record<string, string>>>> = {
  cachorro: { germanshepherd: 'pastor-alemao' },
  gato: { persian: 'persa', siamese: 'siames', sphynx: 'esfinge' },
};

export class InvalidBreedNameError extends Error {
  override readonly name = 'InvalidBreedNameError';
}

/** `Maine Coon` → `maine-coon`, `Sphynx` → `sphynx`, `../../etc` → error, `Ragdoll's "x"` → `ragdolls-x`. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents become their base letters: "Bichon Frisé" → "bichon frise"
    .toLowerCase()
    .replace(/['’`"]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
  if (slug === '')
    throw new InvalidBreedNameError(
      `breed name ${JSON.stringify(name.slice(0, 80))} has no usable characters`,
    );
  return slug;
}

/** The breed as the catalog names it: the Portuguese name where there is one, else the slug. */
export function catalogBreed(tipo: Tipo, apiName: string): string {
  const slug = slugify(apiName);
  return BREED_NAMES_PT[tipo][slug] ?? slug;
}
