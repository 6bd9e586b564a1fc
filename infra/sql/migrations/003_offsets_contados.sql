-- Version 3: the trends job adds each click to the trend tables exactly once, by its Kafka
-- position. Per partition of the interactions topic, the highest offset already counted, written
-- in the same transaction as the counts it accounts for: a replayed micro-batch, or a recount
-- from the start of the topic after a lost checkpoint, skips what is already in the tables.
CREATE TABLE IF NOT EXISTS offsets_contados (
  topico VARCHAR(249) CHARACTER SET ascii NOT NULL,
  particao INT UNSIGNED NOT NULL,
  ultimo_offset BIGINT NOT NULL,
  atualizado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (topico, particao)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
