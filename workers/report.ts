// Plain-text tables for the terminal: the provisioning report and anything else the CLI prints.
import type { ProvisioningReport } from '../contracts/provisioning';

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
    `environment ${report.environment}: database ${report.database}, bucket ${report.bucket}, topics ${report.topics.join(', ')}`,
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
