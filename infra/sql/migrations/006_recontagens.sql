-- Version 6: every recount of the trend tables from the archive (petadota_trends.recount, the
-- workflow recountTrends): its range, what it found and what it changed, and the counted offsets
-- its rows account for. Written in the same transaction as the rows it swapped in.
CREATE TABLE IF NOT EXISTS recontagens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  de DATETIME NOT NULL,
  ate DATETIME NOT NULL,
  eventos BIGINT UNSIGNED NOT NULL,
  linhas_alteradas BIGINT UNSIGNED NOT NULL,
  visualizacoes_antes BIGINT UNSIGNED NOT NULL,
  visualizacoes_depois BIGINT UNSIGNED NOT NULL,
  offsets_contados JSON NOT NULL,
  feita_em DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY ix_recontagens_de (de, ate)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
