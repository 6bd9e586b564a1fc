// The image pipeline's activities, built from their dependencies.
import type { S3Client } from '@aws-sdk/client-s3';
import type { AxiosInstance } from 'axios';
import type { Pool } from 'mysql2/promise';
import type { PlatformConfig } from '../../workers/config';
import {
  fetchCatCandidates,
  fetchDogCandidates,
  type FetchedCandidates,
  type ImageCandidate,
} from './pet-apis';
import type { HealedReservations } from '../../contracts/images';
import { healAbandonedReservations } from './heal';
import { storeAnimalImage, type StoreImageResult } from './store';

export interface ImageDependencies {
  config: PlatformConfig;
  http: AxiosInstance;
  s3: S3Client;
  /** A pool of the image pipeline's account. */
  db: Pool;
}

export function createImageActivities({ config, http, s3, db }: ImageDependencies) {
  const { dogApiUrl, catApiUrl, catApiKey, maxImageBytes } = config.pets;
  const store = { http, s3, db, bucket: config.s3.bucket, maxImageBytes };
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
    /** Finishes or releases the reservations older than `olderThanSeconds` (see heal.ts). */
    async healAbandonedReservations(olderThanSeconds: number): Promise<HealedReservations> {
      return healAbandonedReservations(store, olderThanSeconds);
    },
  };
}
