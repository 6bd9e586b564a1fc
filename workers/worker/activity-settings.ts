// What each group of activities is given from the platform's configuration: only the settings it
// uses, never the whole configuration (the clients are built beside it, in ./index.ts).
import type { ImageDependencies } from '../../activities/images';
import type { ProvisioningDependencies } from '../../activities/provisioning';
import type { TrendDependencies } from '../../activities/trends';
import type { PlatformConfig } from '../../platform/config';

export function provisioningSettings(
  config: PlatformConfig,
): Pick<ProvisioningDependencies, 'mysql' | 's3' | 'topics' | 'cloud'> {
  const { kafka } = config;
  return {
    mysql: config.mysql,
    s3: config.s3,
    topics: {
      topics: [kafka.interactionsTopic, kafka.deadLetterTopic],
      partitions: kafka.topicPartitions,
      replicationFactor: kafka.replicationFactor,
      minInsyncReplicas: kafka.minInsyncReplicas,
    },
    cloud: config.cloud,
  };
}

export function imageSettings(
  config: PlatformConfig,
): Pick<ImageDependencies, 'sources' | 'maxImageBytes' | 'bucket'> {
  const { dogApiUrl, catApiUrl, catApiKey, maxImageBytes } = config.pets;
  return { sources: { dogApiUrl, catApiUrl, catApiKey }, maxImageBytes, bucket: config.s3.bucket };
}

/** `env`: what `config` was loaded from, which the recount's Spark job reads its settings from. */
export function trendSettings(
  config: PlatformConfig,
  env: NodeJS.ProcessEnv = process.env,
): Pick<TrendDependencies, 'kafka' | 'collectorUrl' | 'recount'> {
  return {
    kafka: config.kafka,
    collectorUrl: config.site.url,
    recount: { python: config.tools.python, env },
  };
}
