// The image pipeline's activities, built from their dependencies.
import type { S3Client } from '@aws-sdk/client-s3';
import type { AxiosInstance } from 'axios';
import type { Pool } from 'mysql2/promise';
import {
  fetchCatCandidates,
  fetchDogCandidates,
  type FetchedCandidates,
  type ImageCandidate,
} from './pet-apis';
import type { HealedReservations } from '../../contracts/images';
import { healAbandonedReservations } from './heal';
import { type BatchedStoreResult, storeAnimalImage, storeAnimalImages, type StoreImageResult } from './store';

/** Where the pet APIs are: dog.ceo and The Cat API, or the local pet API server. */
export interface PetApiSources {
  dogApiUrl: string;
  catApiUrl: string;
  /** Sent as `x-api-key` when set. */
  catApiKey: string;
}

export interface ImageDependencies {
  sources: PetApiSources;
  /** Images larger than this are rejected (ImageTooLarge). */
  maxImageBytes: number;
  bucket: string;
  http: AxiosInstance;
  s3: S3Client;
  /** A pool of the image pipeline's account. */
  db: Pool;
}

export function createImageActivities({ sources, maxImageBytes, bucket, http, s3, db }: ImageDependencies) {
  const { dogApiUrl, catApiUrl, catApiKey } = sources;
  const store = { http, s3, db, bucket, maxImageBytes };
  return {
    async fetchDogCandidates(count: number): Promise<FetchedCandidates> {
      return fetchDogCandidates(http, dogApiUrl, count);
    },
    async fetchCatCandidates(count: number): Promise<FetchedCandidates> {
      return fetchCatCandidates(http, catApiUrl, count, catApiKey);
    },
    /** Idempotent by `image.sourceUrl`, which is also the activity's idempotency key. */
    async storeAnimalImage(image: ImageCandidate): Promise<StoreImageResult> {
      return storeAnimalImage(store, image);
    },
    /** Each image idempotent by its `sourceUrl`; results in the order of `images`. */
    async storeAnimalImages(images: ImageCandidate[], concurrency: number): Promise<BatchedStoreResult[]> {
      return storeAnimalImages(store, images, concurrency);
    },
    /** Finishes or releases the reservations older than `olderThanSeconds` (see heal.ts). */
    async healAbandonedReservations(olderThanSeconds: number): Promise<HealedReservations> {
      return healAbandonedReservations(store, olderThanSeconds);
    },
  };
}
