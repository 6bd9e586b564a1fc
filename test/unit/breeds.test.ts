import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  catalogBreed,
  InvalidBreedNameError,
  MAX_SLUG_LENGTH,
  slugify,
} from '../../activities/images/breeds';

test('breed names become ASCII lower-case slugs of [a-z0-9-]', () => {
  assert.equal(slugify('Maine Coon'), 'maine-coon');
  assert.equal(slugify('hound-afghan'), 'hound-afghan');
  assert.equal(slugify('Bichon Frisé'), 'bichon-frise');
  assert.equal(slugify('Ragdoll\'s "Best"'), 'ragdolls-best');
  assert.equal(slugify('  Cão   d’Água  '), 'cao-dagua');
  assert.equal(slugify('St. Bernard_2'), 'st-bernard-2');
});

test('hostile names can never escape their prefix', () => {
  assert.equal(slugify('../../etc/passwd'), 'etc-passwd');
  assert.equal(slugify('a/../../b'), 'a-b');
  assert.equal(slugify('x%2F..%2Fy'), 'x-2f-2fy');
  assert.equal(slugify("persa'; DROP TABLE animais_disponiveis; --"), 'persa-drop-table-animais-disponiveis');
  for (const hostile of ['..', '/', '../', '\u0000', '🐈🐈', '""', '中文']) {
    assert.throws(() => slugify(hostile), InvalidBreedNameError, hostile);
  }
});

test('very long names are cut to the maximum, without a trailing dash', () => {
  const slug = slugify(`${'a'.repeat(MAX_SLUG_LENGTH - 1)} b${'c'.repeat(500)}`);
  assert.equal(slug, 'a'.repeat(MAX_SLUG_LENGTH - 1));
  assert.equal(slugify('x'.repeat(10_000)).length, MAX_SLUG_LENGTH);
});

test("the seed's example holds: Persian cats are catalogued as persa, Labradors as labrador", () => {
  assert.equal(catalogBreed('gato', 'Persian'), 'persa');
  assert.equal(catalogBreed('cachorro', 'labrador'), 'labrador');
  assert.equal(catalogBreed('cachorro', 'germanshepherd'), 'pastor-alemao');
  // The mapping is per tipo: a dog breed never picks up a cat's name.
  assert.equal(catalogBreed('cachorro', 'persian'), 'persian');
});
