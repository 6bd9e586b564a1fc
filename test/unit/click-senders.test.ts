import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { keyPartition } from '../../activities/trends/click-senders';
import { BUILT_IN_ANIMALS, ClickGenerator } from '../../activities/trends/clicks';
import { seededRandom } from '../../platform/random';

const metadata = (partitions: number): PartitionMetadata[] =>
  Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));

test('keyPartition picks the partition kafkajs’s default partitioner picks, for every key length', () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  const random = seededRandom(5);
  const generator = new ClickGenerator({ seed: 5, users: 10, animals: BUILT_IN_ANIMALS, shiftEvery: 100 });
  const keys = [
    ...Array.from({ length: 2000 }, () => generator.next(new Date()).event_id),
    // Every length mod 4, and bytes above 0x7f (UTF-8), where sign handling differs.
    ...Array.from({ length: 2000 }, (_, i) =>
      Array.from({ length: i % 37 }, () => String.fromCharCode(32 + Math.floor(random() * 400))).join(''),
    ),
  ];
  for (const partitions of [1, 3, 7, 12]) {
    const partitionMetadata = metadata(partitions);
    for (const key of keys) {
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
      assert.equal(keyPartition(Buffer.from(key), partitions), expected, `key ${JSON.stringify(key)}`);
    }
  }
});
