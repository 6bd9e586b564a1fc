-- The ledger of applied migrations (infra/sql/migrations/NNN_name.sql). Created before any
-- migration runs; a migration is recorded with the SHA-256 of its file, so an applied file
-- that was edited afterwards is reported as drift instead of silently diverging.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT UNSIGNED NOT NULL,
  name VARCHAR(200) NOT NULL,
  checksum_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
