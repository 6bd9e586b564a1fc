// Plain-text tables for the terminal: the provisioning report and anything else the CLI prints.
import type { ImageCycleSummary, ImageLoopStatus } from '../../contracts/images';
import type { ProvisioningReport } from '../../contracts/provisioning';
import type { PeakHour, RecountSummary, SimulationSummary, TrendReport } from '../../contracts/trends';

export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function formatProvisioningReport(report: ProvisioningReport): string {
  const changes = Object.values(report.changes).flat();
  const passed = report.checks.filter((check) => check.ok).length;
  return [
    `environment ${report.environment}: database ${report.database}, buckets ${report.bucket} and ${report.archiveBucket}, topics ${report.topics.join(', ')}`,
    '',
    changes.length === 0
      ? 'changes: none (everything already was as declared)'
      : ['changes:', ...changes.map((change) => `  - ${change}`)].join('\n'),
    '',
    formatTable(
      ['AREA', 'CHECK', 'RESULT', 'DETAIL'],
      report.checks.map((check) => [check.area, check.name, check.ok ? 'ok' : 'FAILED', check.detail]),
    ),
    '',
    `validation: ${passed} of ${report.checks.length} checks passed${report.ok ? '' : ' — the platform is NOT ready'}`,
  ].join('\n');
}

export function formatImageCycleSummary(summary: ImageCycleSummary): string {
  const lines = [
    `stored ${summary.stored.length}, duplicates skipped ${summary.duplicates.length}, rejected ${summary.rejected.length}`,
  ];
  if (summary.stored.length > 0) {
    lines.push(
      '',
      formatTable(
        ['TIPO', 'RACA', 'NOME', 'URL'],
        summary.stored.map((image) => [image.tipo, image.raca, image.nome, image.url]),
      ),
    );
  }
  if (summary.duplicates.length > 0) {
    lines.push(
      '',
      formatTable(
        ['DUPLICATE OF', 'SOURCE', 'REASON'],
        summary.duplicates.map((image) => [image.nome ?? '-', image.sourceUrl, image.reason]),
      ),
    );
  }
  if (summary.rejected.length > 0) {
    lines.push(
      '',
      formatTable(
        ['REJECTED', 'SOURCE', 'REASON'],
        summary.rejected.map((image) => [image.type, image.sourceUrl ?? '-', image.reason]),
      ),
    );
  }
  const healed = summary.healed;
  if (healed) {
    lines.push(
      '',
      `earlier reservations: ${healed.stored.length} finished, ${healed.released.length} released, ${healed.pending.length} still pending`,
    );
    const rows = [
      ...healed.stored.map((image) => ['finished', image.nome, image.url]),
      ...healed.released.map((name) => ['released', name.nome, `${name.sourceUrl ?? '-'}: ${name.reason}`]),
      ...healed.pending.map((item) => ['pending', item.objectKey, item.reason]),
    ];
    if (rows.length > 0) lines.push('', formatTable(['RESERVATION', 'NOME', 'DETAIL'], rows));
  }
  return lines.join('\n');
}

export function formatImageLoopStatus(status: ImageLoopStatus): string {
  const { totals } = status;
  return [
    status.paused
      ? 'state: paused (no cycle starts until resumed)'
      : `state: running, next cycle at ${status.nextTickAt}`,
    `cycles: ${status.cyclesStarted} started, ${status.cyclesSkipped} skipped (previous still running), ${status.cyclesFailed} failed`,
    `images: ${totals.stored} stored, ${totals.duplicates} duplicates skipped, ${totals.rejected} rejected`,
    '',
    formatTable(
      ['CYCLE', 'STATUS', 'STORED', 'DUPLICATES', 'REJECTED'],
      status.lastCycles
        .slice()
        .reverse()
        .map((cycle) => [
          cycle.workflowId,
          cycle.error ? `${cycle.status}: ${cycle.error}` : cycle.status,
          String(cycle.stored ?? '-'),
          String(cycle.duplicates ?? '-'),
          String(cycle.rejected ?? '-'),
        ]),
    ),
  ].join('\n');
}

const hour = (peak: PeakHour | null): string =>
  peak ? `${peak.hourStart.slice(0, 13).replace('T', ' ')}:00 UTC (${peak.views} views)` : 'none yet';

const lateClicks = ({ lastHour, longestLatenessSeconds }: TrendReport['lateClicks']): string =>
  lastHour === 0 ? 'none' : `${lastHour}, the latest ${longestLatenessSeconds} s after its event time`;

export function formatTrendReport(report: TrendReport): string {
  const { freshness } = report;
  const stream = freshness.newestEventAt
    ? `newest counted click ${freshness.ageSeconds} s old (${freshness.newestEventAt})`
    : 'no click counted yet';
  return [
    `trend report of ${report.tick} (made ${report.generatedAt})`,
    `last complete minute ${report.window.start} – ${report.window.end}: ${report.viewsInWindow} views`,
    '',
    report.topBreeds.length === 0
      ? '(no views in that minute)'
      : formatTable(
          ['RANK', 'TIPO', 'RACA', 'VIEWS'],
          report.topBreeds.map((breed) => [String(breed.rank), breed.tipo, breed.raca, String(breed.views)]),
        ),
    '',
    ...(report.topAnimals.length === 0
      ? []
      : [
          formatTable(
            ['RANK', 'ANIMAL', 'ID', 'TIPO', 'RACA', 'VIEWS'],
            report.topAnimals.map((animal) => [
              String(animal.rank),
              animal.nome,
              String(animal.animalId),
              animal.tipo,
              animal.raca,
              String(animal.views),
            ]),
          ),
          '',
        ]),
    ...(report.unknownAnimals.views === 0
      ? []
      : [
          `${report.unknownAnimals.views} views of animal ids the catalog did not hold (counted for their breed): ${report.unknownAnimals.ids.join(', ')}`,
        ]),
    `late clicks in the last hour: ${lateClicks(report.lateClicks)}`,
    `peak hour today: ${hour(report.peakHourToday)}; overall: ${hour(report.peakHourOverall)}`,
    `stream: ${stream}${freshness.stale ? ' — STALE: is the Spark job running?' : ''}`,
  ].join('\n');
}

export function formatSimulationSummary(summary: SimulationSummary): string {
  const animals = Object.entries(summary.perAnimal).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return [
    `${summary.eventsSent} clicks in ${summary.seconds.toFixed(1)} s (${summary.eventsPerSecond.toFixed(0)}/s)${summary.cancelled ? ', stopped early' : ''}`,
    '',
    formatTable(
      ['ANIMAL', 'CLICKS'],
      animals.map(([animal, clicks]) => [animal, String(clicks)]),
    ),
  ].join('\n');
}

export function formatRecountSummary(summary: RecountSummary): string {
  return [
    `recounted ${summary.start} – ${summary.end} in ${summary.seconds} s: ${summary.events} clicks, each once ` +
      `(${summary.archived_records} from the archive, ${summary.kafka_records} from Kafka)`,
    `views ${summary.views_before} -> ${summary.views_after}; ${summary.rows_changed} of ${summary.rows_before} rows changed (${summary.rows_after} now)`,
    `accounts for offsets ${Object.entries(summary.counted_offsets)
      .map(([partition, offset]) => `${partition}:${offset}`)
      .join(' ')}`,
  ].join('\n');
}
