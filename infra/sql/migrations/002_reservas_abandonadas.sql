-- Version 2: reservations that outlive their store activity are healed. A name reserved for an
-- image whose activity gave up (S3 or MySQL down longer than its retries) is finished from the
-- uploaded object or from the source URL, or, when its source is gone, handed to the next image
-- of the same breed: so no number stays a gap and no object stays without its row.
ALTER TABLE reservas_imagem
  ADD COLUMN IF NOT EXISTS source_url VARCHAR(2048) NULL AFTER source_url_sha256,
  -- Set when the source can no longer be fetched: the number waits for the next image of its breed.
  ADD COLUMN IF NOT EXISTS abandonada_em DATETIME(3) NULL AFTER created_at,
  ADD INDEX IF NOT EXISTS ix_reservas_abandonadas (tipo, raca, abandonada_em, numero),
  ADD INDEX IF NOT EXISTS ix_reservas_created (created_at);
