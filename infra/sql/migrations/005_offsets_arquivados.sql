-- Version 5: the trends job's archive query writes every record of the interactions topic as
-- Parquet to the object store. Per partition, the highest offset whose record is archived,
-- written after its files: a replayed micro-batch rewrites the same files (they are named by the
-- offsets they hold), and a query started without its checkpoint skips what is archived already.
CREATE TABLE IF NOT EXISTS offsets_arquivados (
  topico VARCHAR(249) CHARACTER SET ascii NOT NULL,
  particao INT UNSIGNED NOT NULL,
  ultimo_offset BIGINT NOT NULL,
  atualizado_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (topico, particao)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
