package br.com.petadota.trends;

import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.streaming.StatefulProcessor;
import org.apache.spark.sql.streaming.TTLConfig;
import org.apache.spark.sql.streaming.TimeMode;
import org.apache.spark.sql.streaming.TimerValues;
import org.apache.spark.sql.streaming.ValueState;
import scala.collection.Iterator;
import scala.collection.Iterator$;

/**
 * The trends job's de-duplication on arrival: a key's first row passes; the key is remembered for
 * the span of processing time after the micro-batch it arrived in, then forgotten.
 *
 * <p>It forgets through a state TTL, whose expiry Spark finds by a range scan over what expired
 * since the last batch (SPARK-56400, Spark 4.2): the cost of forgetting is per forgotten key. The
 * built-in {@code dropDuplicatesWithinWatermark} scans its whole state after every batch instead,
 * which at the job's 300-s span made the scan most of a batch (spark-jobs/README.md).
 *
 * <p>Processing time is the micro-batch's timestamp, which the offset log keeps: a replayed batch
 * forgets and remembers exactly as its first run did. A key past its TTL reads as absent even
 * before Spark deletes it, so a copy arriving after the span is passed again, never dropped.
 */
public final class DedupeOnArrival extends StatefulProcessor<String, Row, Row> {
  private static final long serialVersionUID = 1L;

  private final long spanMs;
  private transient ValueState<Boolean> seen;

  private DedupeOnArrival(long spanMs) {
    this.spanMs = spanMs;
  }

  /** The rows of {@code rows} whose string column {@code key} was not seen within {@code spanMs}. */
  public static Dataset<Row> firstCopies(Dataset<Row> rows, String key, long spanMs) {
    if (spanMs <= 0) {
      throw new IllegalArgumentException("the de-duplication span must be positive, not " + spanMs + " ms");
    }
    return rows.groupBy(functions.col(key))
        .as(Encoders.STRING(), Encoders.row(rows.schema()))
        .transformWithState(
            new DedupeOnArrival(spanMs),
            TimeMode.ProcessingTime(),
            OutputMode.Append(),
            Encoders.row(rows.schema()));
  }

  @Override
  public void init(OutputMode outputMode, TimeMode timeMode) {
    seen =
        getHandle().getValueState("seen", Encoders.BOOLEAN(), new TTLConfig(Duration.ofMillis(spanMs)));
  }

  @Override
  public Iterator<Row> handleInputRows(String key, Iterator<Row> rows, TimerValues timerValues) {
    if (seen.exists()) {
      return Iterator$.MODULE$.empty();
    }
    // Written once, at the first copy: a later copy must not extend the span.
    seen.update(true);
    return Iterator$.MODULE$.single(rows.next());
  }
}
