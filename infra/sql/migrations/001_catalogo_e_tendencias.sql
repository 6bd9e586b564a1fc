-- PetAdota schema, version 1: the animal catalog the image pipeline fills, and the trend
-- tables the stream job writes. Applied in order by the provisioning workflow and by Ansible,
-- each file once, recorded in schema_migrations. Every statement is safe to run again
-- (MySQL DDL is not transactional, so a migration interrupted halfway is simply rerun).

-- The catalog: one row per stored image. The seed's four columns come first.
CREATE TABLE IF NOT EXISTS animais_disponiveis (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  raca VARCHAR(100) NOT NULL,
  url VARCHAR(600) NOT NULL,
  tipo ENUM('cachorro', 'gato') NOT NULL,
  -- What makes storing an image idempotent: the image name from the per-breed counter,
  -- the object key, and the source image identified by URL and by content.
  nome VARCHAR(120) NOT NULL,
  numero INT UNSIGNED NOT NULL,
  object_key VARCHAR(500) NOT NULL,
  source_url VARCHAR(2048) NOT NULL,
  source_url_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  content_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  content_type VARCHAR(100) NOT NULL,
  size_bytes INT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uq_animais_object_key (object_key),
  UNIQUE KEY uq_animais_source_url (source_url_sha256),
  UNIQUE KEY uq_animais_content (content_sha256),
  UNIQUE KEY uq_animais_numero (tipo, raca, numero),
  KEY ix_animais_tipo_raca (tipo, raca)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The per-breed name counters (`labrador_01`, `labrador_02`, …), allocated atomically.
CREATE TABLE IF NOT EXISTS contadores_raca (
  tipo ENUM('cachorro', 'gato') NOT NULL,
  raca VARCHAR(100) NOT NULL,
  ultimo_numero INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (tipo, raca)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- A name reserved for a source image before its object is uploaded: a retry after a crash
-- between upload and catalog insert finds the same name, so no gap and no second object.
CREATE TABLE IF NOT EXISTS reservas_imagem (
  source_url_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  content_sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  tipo ENUM('cachorro', 'gato') NOT NULL,
  raca VARCHAR(100) NOT NULL,
  numero INT UNSIGNED NOT NULL,
  object_key VARCHAR(500) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (source_url_sha256),
  UNIQUE KEY uq_reservas_content (content_sha256),
  UNIQUE KEY uq_reservas_object_key (object_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Views per animal in 10-second event-time buckets; "the last minute" is the sum of six.
-- Upserted by the stream job keyed by bucket and animal, so a replayed batch changes nothing.
CREATE TABLE IF NOT EXISTS visualizacoes_10s (
  bucket_inicio DATETIME(3) NOT NULL,
  tipo ENUM('cachorro', 'gato') NOT NULL,
  raca VARCHAR(100) NOT NULL,
  visualizacoes BIGINT UNSIGNED NOT NULL,
  ultimo_evento_em DATETIME(3) NOT NULL,
  atualizado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (bucket_inicio, tipo, raca),
  KEY ix_visualizacoes_10s_evento (ultimo_evento_em)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Views per animal per event-time hour; the peak hour comes from here.
CREATE TABLE IF NOT EXISTS visualizacoes_hora (
  hora_inicio DATETIME NOT NULL,
  tipo ENUM('cachorro', 'gato') NOT NULL,
  raca VARCHAR(100) NOT NULL,
  visualizacoes BIGINT UNSIGNED NOT NULL,
  atualizado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (hora_inicio, tipo, raca)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The trend reports, one per 30-second tick of the report loop (idempotent by tick).
CREATE TABLE IF NOT EXISTS relatorios_tendencia (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tick_em DATETIME(3) NOT NULL,
  gerado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  relatorio JSON NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_relatorios_tick (tick_em)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
