// Writes bench/results.md and bench/results.svg from what bench/run.sh measured.
//   node bench/report.mjs facts.tsv scenarios.tsv out-dir [benchmarkdotnet-report.csv ...]
// facts.tsv: "name<TAB>value" lines. scenarios.tsv: one line per wrk scenario, the columns below.
// Every target is a ratio or a bound within this one run, so a busy machine moves the rates but
// hardly the verdicts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [factsFile, scenariosFile, outDir, ...benchmarkCsvs] = process.argv.slice(2);
if (!factsFile || !scenariosFile || !outDir) {
  console.error('usage: node bench/report.mjs facts.tsv scenarios.tsv out-dir [report.csv ...]');
  process.exit(2);
}

const tsv = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));

const facts = Object.fromEntries(tsv(factsFile).map(([name, ...value]) => [name, value.join('\t')]));
const number = (name) => Number(facts[name]);
const cores = number('cores');
const hz = number('ticks_per_second');

const columns = ['id', 'label', 'server', 'connections', 'ok', 'errors', 'seconds', 'p50', 'p99', 'apiTicks', 'webTicks', 'apiPeakKib', 'webPeakKib', 'statuses'];
// A scenario measured in several rounds (taking turns with the one it is compared with) is one
// row: counts, seconds and CPU add up; latency percentiles and peak RSS are the worst round's.
const scenarios = new Map();
for (const fields of tsv(scenariosFile)) {
  const round = Object.fromEntries(columns.map((name, i) => [name, fields[i]]));
  for (const name of columns.slice(3, 13)) round[name] = Number(round[name]);
  const row = scenarios.get(round.id);
  if (!row) {
    scenarios.set(round.id, { ...round, rounds: 1 });
    continue;
  }
  for (const name of ['ok', 'errors', 'seconds', 'apiTicks', 'webTicks']) row[name] += round[name];
  for (const name of ['p50', 'p99', 'apiPeakKib', 'webPeakKib']) row[name] = Math.max(row[name], round[name]);
  row.statuses += `;${round.statuses}`;
  row.rounds += 1;
}
for (const row of scenarios.values()) {
  row.rate = row.ok / row.seconds;
  row.apiCpuMs = (row.apiTicks / hz) * 1000 / row.ok;
  row.webCpuMs = (row.webTicks / hz) * 1000 / row.ok;
}
const get = (id) => scenarios.get(id);

// --- References and targets --------------------------------------------------------------------
const hashMs = number('hash_ms');
const pureHashRate = cores / (hashMs / 1000); // hashes per second on every core, nothing else
const keycloakRefreshPerCore = 120;
const sqlite = facts.database === 'sqlite';

const reference = {
  health: { of: 'itself', value: null },
  is_authenticated: { of: 'GET /health', value: get('health')?.rate },
  me: { of: 'GET /health', value: get('health')?.rate },
  login: { of: `pure hash rate, ${fmt(pureHashRate, 0)}/s`, value: pureHashRate },
  refresh: { of: `Keycloak, ${keycloakRefreshPerCore}/s per vCPU`, value: keycloakRefreshPerCore * cores },
  register: { of: `pure hash rate, ${fmt(pureHashRate, 0)}/s`, value: pureHashRate },
  public_page: { of: 'itself', value: null },
  protected_page: { of: 'public page', value: get('public_page')?.rate },
  protected_page_remote: { of: 'public page', value: get('public_page')?.rate },
};

const maxOf = (key) => Math.max(...[...scenarios.values()].map((row) => row[key]));
const apiPeakMib = maxOf('apiPeakKib') / 1024;
const webPeakMib = maxOf('webPeakKib') / 1024;

// at-least: measured ≥ target; at-most: measured ≤ target.
const targets = [
  { name: 'GET /auth/is-authenticated ÷ GET /health', value: ratio('is_authenticated', 'health'), target: 0.85, kind: 'at-least', unit: '×' },
  { name: 'GET /auth/me ÷ GET /health', value: ratio('me', 'health'), target: 0.85, kind: 'at-least', unit: '×' },
  { name: `p99, GET /auth/is-authenticated (${facts.connections} conns)`, value: get('is_authenticated')?.p99, target: 5, kind: 'at-most', unit: ' ms' },
  { name: `p99, GET /auth/me (${facts.connections} conns)`, value: get('me')?.p99, target: 5, kind: 'at-most', unit: ' ms' },
  { name: 'Logins ÷ pure hash rate', value: get('login') && get('login').rate / pureHashRate, target: 0.9, kind: 'at-least', unit: '×' },
  ...(sqlite ? [{ name: 'Refreshes per second (SQLite)', value: get('refresh')?.rate, target: 1000, kind: 'at-least', unit: '/s' }] : []),
  { name: 'Protected page ÷ public page', value: ratio('protected_page', 'public_page'), target: 0.9, kind: 'at-least', unit: '×' },
  { name: 'Protected page: local ÷ remote check', value: ratio('protected_page', 'protected_page_remote'), target: 1.5, kind: 'at-least', unit: '×' },
  { name: 'API peak RSS', value: apiPeakMib, target: 200, kind: 'at-most', unit: ' MiB' },
  { name: 'Web server peak RSS', value: webPeakMib, target: 600, kind: 'at-most', unit: ' MiB' },
  { name: 'API ready after start (restart)', value: number('api_start_ms') / 1000, target: 1, kind: 'at-most', unit: ' s' },
].filter((t) => Number.isFinite(t.value));
for (const t of targets) t.met = t.kind === 'at-least' ? t.value >= t.target : t.value <= t.target;

function ratio(a, b) {
  return get(a) && get(b) ? get(a).rate / get(b).rate : NaN;
}
function fmt(value, digits = 2) {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';
}
// A ratio that rounds to its goal but misses it gets a third decimal, so "0.90×, missed" never shows.
const ratioDigits = (t, value) => (value !== t.target && fmt(value) === fmt(t.target) ? 3 : 2);
const show = (t, value = t.value) => (t.unit === '×' ? `${fmt(value, ratioDigits(t, value))}×` : `${fmt(value, t.unit === '/s' ? 0 : t.unit === ' s' ? 2 : 1)}${t.unit}`);
const sign = (t) => (t.kind === 'at-least' ? '≥' : '≤');

// --- results.md -------------------------------------------------------------------------------
const md = [];
md.push('# Gatehouse benchmark results', '');
md.push(`Written by \`bench/run.sh${sqlite ? '' : ' --postgres'}\` on ${facts.date}, commit ${facts.commit}, in ${facts.elapsed_s} s.`);
md.push(
  `Machine: ${facts.cpu}, ${cores} cores, shared with the load generator (wrk ${facts.wrk}) and anything else running; load average before: ${facts.load_before}.`,
);
md.push(
  `.NET ${facts.dotnet}, Node ${facts.node}, Next.js ${facts.next}; database: ${sqlite ? 'SQLite' : `PostgreSQL ${facts.postgres ?? ''}`.trim()}. ` +
    `Each scenario: ${facts.warmup} s warm-up, then ${facts.duration} s measured; compared scenarios take turns in rounds (the p50 / p99 shown is the worst round's). ` +
    `GET scenarios use ${facts.connections} connections ` +
    `cycling through ${facts.sessions} signed-in users' cookies.`,
);
md.push('', `**Targets: ${targets.filter((t) => t.met).length} of ${targets.length} met.**`, '');
md.push('| Target | Measured | Goal | |', '| --- | ---: | ---: | --- |');
for (const t of targets) md.push(`| ${t.name} | ${show(t)} | ${sign(t)} ${show(t, t.target)} | ${t.met ? 'met' : '**missed**'} |`);

md.push('', '| Scenario | Conns | Requests/s | p50 / p99 ms | API CPU ms/req | Web CPU ms/req | Peak RSS API / web MiB | Reference | Ratio | Errors |');
md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
for (const row of scenarios.values()) {
  const ref = reference[row.id] ?? { of: '', value: null };
  const r = ref.value ? `${fmt(row.rate / ref.value)}×` : '1.00×';
  md.push(
    `| ${row.label} | ${row.connections} | ${fmt(row.rate, 0)} | ${fmt(row.p50)} / ${fmt(row.p99)} | ${fmt(row.apiCpuMs, 3)} | ` +
      `${row.server === 'web' ? fmt(row.webCpuMs, 3) : '–'} | ${fmt(row.apiPeakKib / 1024, 0)} / ${row.server === 'web' ? fmt(row.webPeakKib / 1024, 0) : '–'} | ` +
      `${ref.of} | ${r} | ${row.errors} |`,
  );
}
md.push('');
md.push('| Process | Ready after start | Idle RSS | Peak RSS under load |', '| --- | ---: | ---: | ---: |');
md.push(
  `| API | ${fmt(number('api_start_ms'), 0)} ms (restart, median of 3); ${fmt(number('api_first_start_ms'), 0)} ms on first start (creates the database) | ` +
    `${fmt(number('api_idle_kib') / 1024, 0)} MiB | ${fmt(apiPeakMib, 0)} MiB |`,
);
md.push(`| Web (next start) | ${fmt(number('web_start_ms'), 0)} ms | ${fmt(number('web_idle_kib') / 1024, 0)} MiB | ${fmt(webPeakMib, 0)} MiB |`);
md.push('');
md.push(
  `Pure hash rate: ${cores} cores ÷ ${fmt(hashMs, 1)} ms CPU for one Argon2id hash (m=19456 KiB, t=2) on one thread = ${fmt(pureHashRate, 0)}/s. ` +
    `Refresh: ${fmt(get('refresh')?.rate / cores, 0)}/s per core, ${fmt(get('refresh')?.rate / cores / keycloakRefreshPerCore, 1)}× Keycloak's published ${keycloakRefreshPerCore}/s per vCPU. ` +
    `Register: ${fmt(get('register')?.rate / cores, 0)}/s per core.`,
);

const benchmarks = benchmarkCsvs.flatMap((file) => readBenchmarkCsv(file));
if (benchmarks.length > 0) {
  md.push('', 'In-process costs on one thread (BenchmarkDotNet, `bench/Gatehouse.Benchmarks`, short job):', '');
  md.push('| Benchmark | Method | Parameters | Mean | Allocated |', '| --- | --- | --- | ---: | ---: |');
  for (const b of benchmarks) {
    const parameters = b.Algorithm ? `Algorithm=${b.Algorithm}` : '';
    md.push(`| ${b.Type.replace(/Benchmarks$/, '')} | ${b.Method} | ${parameters} | ${duration(Number(b['Mean [ns]']))} | ${bytes(Number(b['Allocated [B]']))} |`);
  }
}
md.push('', 'What each figure means and how it was reached: [docs/performance.md](../docs/performance.md).', '');
writeFileSync(join(outDir, 'results.md'), md.join('\n'));

// --- results.svg: one bar per target, measured against its goal (the line); right of it is met.
const width = 900;
const rowHeight = 30;
const left = 310;
const barWidth = 340;
const top = 58;
const height = top + targets.length * rowHeight + 34;
const scaleMax = 2; // bars show measured ÷ goal (goal ÷ measured for upper bounds), up to 2×
const x = (v) => left + (Math.min(v, scaleMax) / scaleMax) * barWidth;
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const svg = [];
svg.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`);
svg.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
svg.push(`<text x="16" y="24" font-size="16" font-weight="600">Gatehouse benchmark: ${targets.filter((t) => t.met).length} of ${targets.length} targets met (${sqlite ? 'SQLite' : 'PostgreSQL'}, ${escape(facts.date)})</text>`);
svg.push(`<text x="16" y="44" fill="#555">Each bar is the measurement relative to its goal (the line); past the line means met. Scale ends at 2×.</text>`);
targets.forEach((t, i) => {
  const y = top + i * rowHeight;
  const relative = t.kind === 'at-least' ? t.value / t.target : t.target / t.value;
  const colour = t.met ? '#2e7d32' : '#c62828';
  svg.push(`<text x="16" y="${y + 17}">${escape(t.name)}</text>`);
  svg.push(`<rect x="${left}" y="${y + 4}" width="${barWidth}" height="18" fill="#f0f0f0"/>`);
  svg.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(relative) - left).toFixed(1)}" height="18" fill="${colour}"/>`);
  svg.push(`<text x="${left + barWidth + 8}" y="${y + 17}" fill="${colour}">${escape(`${show(t)} (${sign(t)} ${show(t, t.target)})`)}</text>`);
});
const goalX = x(1);
svg.push(`<line x1="${goalX}" y1="${top - 2}" x2="${goalX}" y2="${top + targets.length * rowHeight + 2}" stroke="#000" stroke-width="2" stroke-dasharray="4 3"/>`);
svg.push(`<text x="${goalX}" y="${top + targets.length * rowHeight + 20}" text-anchor="middle" fill="#000">goal</text>`);
svg.push('</svg>', '');
writeFileSync(join(outDir, 'results.svg'), svg.join('\n'));

function duration(ns) {
  if (!Number.isFinite(ns)) return '–';
  if (ns >= 1e6) return `${fmt(ns / 1e6, 2)} ms`;
  if (ns >= 1e3) return `${fmt(ns / 1e3, 2)} µs`;
  return `${fmt(ns, 0)} ns`;
}
function bytes(count) {
  if (!Number.isFinite(count)) return '–';
  return count >= 1024 ? `${fmt(count / 1024, 1)} KiB` : `${fmt(count, 0)} B`;
}

// BenchmarkDotNet's CSV report (CsvExporter): a header line and quoted, comma-separated fields.
function readBenchmarkCsv(file) {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseCsvLine);
  const [header, ...body] = rows;
  const type = file.replace(/.*[\\/]/, '').replace(/-report\.csv$/, '').replace(/^.*\./, '');
  return body.map((fields) => ({ Type: type, ...Object.fromEntries(header.map((name, i) => [name, fields[i]])) }));
}
function parseCsvLine(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';') { fields.push(field); field = ''; }
    else field += c;
  }
  fields.push(field.trim());
  return fields;
}
