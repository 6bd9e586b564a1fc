import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ErrorType,
  NON_RETRYABLE_ERROR_TYPES,
  REJECTION_ERROR_TYPES,
  TRANSIENT_ERROR_TYPES,
} from '../../contracts/errors';

test('every error type is in exactly one list: non-retryable, rejection or transient', () => {
  const lists = [NON_RETRYABLE_ERROR_TYPES, REJECTION_ERROR_TYPES, TRANSIENT_ERROR_TYPES];
  for (const type of Object.values(ErrorType)) {
    assert.equal(lists.filter((list) => list.includes(type)).length, 1, type);
  }
  assert.equal(lists.flat().length, Object.values(ErrorType).length);
});
