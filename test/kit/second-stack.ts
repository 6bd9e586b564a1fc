// The environment of a second local stack beside the developer's own: its own data directory,
// and every port of infra/local/lib/config.sh moved by `offset`. Its paths come from that data
// directory, never from the developer's PETADOTA_LOG_DIR or PETADOTA_ENV_FILE.
const PORTS: Record<string, number> = {
  TEMPORAL_PORT: 7233,
  TEMPORAL_UI_PORT: 8233,
  MYSQL_PORT: 3306,
  KAFKA_PORT: 9092,
  KAFKA_CONTROLLER_PORT: 9093,
  S3_PORT: 7070,
  PET_API_PORT: 8099,
  SPARK_UI_PORT: 4040,
  AIRFLOW_PORT: 8080,
};

export function secondStackEnv(dataDir: string, offset: number): Record<string, string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PETADOTA_DATA_DIR: dataDir,
  };
  for (const [name, port] of Object.entries(PORTS)) env[name] = String(port + offset);
  delete env.PETADOTA_LOG_DIR;
  delete env.PETADOTA_ENV_FILE;
  return env;
}
