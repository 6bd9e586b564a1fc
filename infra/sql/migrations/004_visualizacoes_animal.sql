-- Version 4: views per animal (its catalog row), beside the views per breed, and the late clicks.
-- Written by the trends job in the same transaction as the breed counts and the offsets they
-- account for. animal_id is the id the click names: not a foreign key, since a click may name an
-- id the catalog does not hold (yet, or ever); those are counted too, as `desconhecidas`, with
-- the catalog as the job last read it.
CREATE TABLE IF NOT EXISTS visualizacoes_animal_10s (
  bucket_inicio DATETIME(3) NOT NULL,
  animal_id BIGINT UNSIGNED NOT NULL,
  visualizacoes BIGINT UNSIGNED NOT NULL,
  desconhecidas BIGINT UNSIGNED NOT NULL,
  ultimo_evento_em DATETIME(3) NOT NULL,
  atualizado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (bucket_inicio, animal_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS visualizacoes_animal_hora (
  hora_inicio DATETIME NOT NULL,
  animal_id BIGINT UNSIGNED NOT NULL,
  visualizacoes BIGINT UNSIGNED NOT NULL,
  desconhecidas BIGINT UNSIGNED NOT NULL,
  atualizado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (hora_inicio, animal_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The valid clicks that reached Kafka more than SPARK_LATE_AFTER_SECONDS after their event time,
-- per arrival minute. They are counted in their own event-time buckets like any other click;
-- this table is how the report shows that they came and how late.
CREATE TABLE IF NOT EXISTS cliques_atrasados (
  chegada_minuto DATETIME NOT NULL,
  cliques BIGINT UNSIGNED NOT NULL,
  maior_atraso_ms BIGINT UNSIGNED NOT NULL,
  evento_mais_antigo_em DATETIME(3) NOT NULL,
  atualizado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (chegada_minuto)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
