// Writes bench/results.md and bench/results.svg from what bench/run.sh measured.
//   node bench/report.mjs facts.tsv scenarios.tsv out-dir [benchmarkdotnet-report.csv ...]
// facts.tsv: "name<TAB>value" lines. scenarios.tsv: one line per scenario and round, the columns below.
// Every target is a ratio or a bound within this one run, measured in rounds and judged on the
// median of the rounds, so a busy machine moves the rates but hardly the verdicts.
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

const columns = ['id', 'round', 'label', 'server', 'connections', 'ok', 'errors', 'seconds', 'p50', 'p99', 'apiTicks', 'webTicks', 'apiPeakKib', 'webPeakKib', 'statuses'];
// A scenario is measured in several rounds (taking turns with the ones it is compared with): one
// row per scenario, with each round kept. Rates, ratios and latency percentiles are the median of
// the rounds with their spread; counts, seconds and CPU add up; peak RSS is the highest round's.
const scenarios = new Map();
for (const fields of tsv(scenariosFile)) {
  const round = Object.fromEntries(columns.map((name, i) => [name, fields[i]]));
  for (const name of columns.slice(4, 14)) round[name] = Number(round[name]);
  round.rate = round.ok / round.seconds;
  if (!scenarios.has(round.id)) scenarios.set(round.id, { id: round.id, label: round.label, server: round.server, connections: round.connections, rounds: [] });
  scenarios.get(round.id).rounds.push(round);
}
for (const row of scenarios.values()) {
  const sum = (name) => row.rounds.reduce((total, r) => total + r[name], 0);
  row.ok = sum('ok');
  row.errors = sum('errors');
  row.rate = stats(row.rounds.map((r) => r.rate));
  row.p50 = stats(row.rounds.map((r) => r.p50));
  row.p99 = stats(row.rounds.map((r) => r.p99));
  row.apiCpuMs = (sum('apiTicks') / hz) * 1000 / row.ok;
  row.webCpuMs = (sum('webTicks') / hz) * 1000 / row.ok;
  row.apiPeakKib = Math.max(...row.rounds.map((r) => r.apiPeakKib));
  row.webPeakKib = Math.max(...row.rounds.map((r) => r.webPeakKib));
}
const get = (id) => scenarios.get(id);

// The median of a list of figures and its spread (lowest to highest); NaN when there are none.
function stats(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, low: n ? sorted[0] : NaN, high: n ? sorted[n - 1] : NaN, count: n };
}
// Each round's rate of <id> ÷ the same round's rate of <ref> (figures taken side by side), or ÷ a
// fixed rate; the median and spread of those ratios.
function ratio(id, ref) {
  const row = get(id);
  if (!row) return stats([]);
  if (typeof ref === 'number') return stats(row.rounds.map((r) => r.rate / ref));
  const other = get(ref);
  if (!other) return stats([]);
  return stats(row.rounds.map((r) => {
    const same = other.rounds.find((o) => o.round === r.round);
    return same ? r.rate / same.rate : NaN;
  }));
}

// Each round's API CPU time per completed request of <id> ÷ the same round's of <ref>: the cost of one
// sign-in against another's, whatever either's rate (a TOTP run may wait for the next time step).
function cpuRatio(id, ref) {
  const row = get(id);
  const other = get(ref);
  if (!row || !other) return stats([]);
  return stats(row.rounds.map((r) => {
    const same = other.rounds.find((o) => o.round === r.round);
    return same && r.ok > 0 && same.ok > 0 ? (r.apiTicks / r.ok) / (same.apiTicks / same.ok) : NaN;
  }));
}

// --- References and targets --------------------------------------------------------------------
const pureHash = get('pure_hash')?.rate ?? stats([]); // hashes per second on every core, nothing else, per round
const keycloakRefreshPerCore = 120;
const sqlite = facts.database === 'sqlite';
const rounds = number('rounds');

const reference = {
  is_authenticated: { of: 'GET /health', ref: 'health' },
  me: { of: 'GET /health', ref: 'health' },
  login: { of: `pure hash rate, ${fmt(pureHash.median, 0)}/s`, ref: 'pure_hash' },
  register: { of: `pure hash rate, ${fmt(pureHash.median, 0)}/s`, ref: 'pure_hash' },
  refresh: { of: `Keycloak, ${keycloakRefreshPerCore}/s per vCPU`, ref: keycloakRefreshPerCore * cores },
  protected_page: { of: 'public page', ref: 'public_page' },
  protected_page_remote: { of: 'public page', ref: 'public_page' },
  totp_sign_in: { of: 'password sign-in, API CPU per sign-in', ref: 'password_sign_in', cpu: true },
  passkey_sign_in: { of: 'password sign-in, API CPU per sign-in', ref: 'password_sign_in', cpu: true },
};

// Peak RSS: the highest of every scenario in each round, and the highest round's as the bound.
const peaks = (key) => {
  const byRound = new Map();
  for (const row of scenarios.values()) {
    for (const r of row.rounds) if (r[key] > 0) byRound.set(r.round, Math.max(byRound.get(r.round) ?? 0, r[key] / 1024));
  }
  const s = stats([...byRound.values()]);
  return { ...s, median: s.high, bound: true }; // judged on the highest round, not the median
};
const apiPeak = peaks('apiPeakKib');
const webPeak = peaks('webPeakKib');
const apiStarts = stats((facts.api_start_ms ?? '').split(' ').filter((v) => v !== '').map((v) => Number(v) / 1000));

// at-least: measured ≥ target; at-most: measured ≤ target. The verdict is on the median (on the
// highest round for peak RSS).
const targets = [
  { name: 'GET /auth/is-authenticated ÷ GET /health', value: ratio('is_authenticated', 'health'), target: 0.85, kind: 'at-least', unit: '×' },
  { name: 'GET /auth/me ÷ GET /health', value: ratio('me', 'health'), target: 0.85, kind: 'at-least', unit: '×' },
  { name: `p99, GET /auth/is-authenticated (${facts.connections} conns)`, value: get('is_authenticated')?.p99, target: 5, kind: 'at-most', unit: ' ms' },
  { name: `p99, GET /auth/me (${facts.connections} conns)`, value: get('me')?.p99, target: 5, kind: 'at-most', unit: ' ms' },
  { name: `Sign-ins ÷ pure hash rate (${cores} threads)`, value: ratio('login', 'pure_hash'), target: 0.85, kind: 'at-least', unit: '×' },
  { name: 'Sign-in with TOTP ÷ password only (API CPU per sign-in)', value: cpuRatio('totp_sign_in', 'password_sign_in'), target: 1.05, kind: 'at-most', unit: '×' },
  { name: 'Passkey sign-in ÷ password sign-in (API CPU per sign-in)', value: cpuRatio('passkey_sign_in', 'password_sign_in'), target: 0.2, kind: 'at-most', unit: '×' },
  ...(sqlite ? [{ name: 'Refreshes per second (SQLite)', value: get('refresh')?.rate, target: 1000, kind: 'at-least', unit: '/s' }] : []),
  { name: 'Protected page ÷ public page', value: ratio('protected_page', 'public_page'), target: 0.9, kind: 'at-least', unit: '×' },
  { name: 'Protected page: local ÷ remote check', value: ratio('protected_page', 'protected_page_remote'), target: 1.5, kind: 'at-least', unit: '×' },
  { name: 'API peak RSS (highest round)', value: apiPeak, target: 200, kind: 'at-most', unit: ' MiB' },
  { name: 'Web server peak RSS (highest round)', value: webPeak, target: 600, kind: 'at-most', unit: ' MiB' },
  { name: 'API ready after start (restart)', value: apiStarts, target: 1, kind: 'at-most', unit: ' s' },
  { name: 'Mails delivered per second (outbox → local SMTP sink)', value: get('mail')?.rate, target: 200, kind: 'at-least', unit: '/s' },
  { name: `p99, admin user search GET /admin/users?q=… (${facts.admin_users} users)`, value: get('admin_search')?.p99, target: 50, kind: 'at-most', unit: ' ms' },
  { name: `p99, admin user filter GET /admin/users?unverified=true (${facts.admin_users} users)`, value: get('admin_filter')?.p99, target: 50, kind: 'at-most', unit: ' ms' },
].filter((t) => t.value && Number.isFinite(t.value.median));
for (const t of targets) t.met = t.kind === 'at-least' ? t.value.median >= t.target : t.value.median <= t.target;

function fmt(value, digits = 2) {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';
}
// A ratio that rounds to its goal but misses it gets a third decimal, so "0.90×, missed" never shows.
const ratioDigits = (t, value) => (value !== t.target && fmt(value) === fmt(t.target) ? 3 : 2);
const show = (t, value) => (t.unit === '×' ? `${fmt(value, ratioDigits(t, value))}×` : `${fmt(value, t.unit === '/s' ? 0 : t.unit === ' s' ? 2 : 1)}${t.unit}`);
// "0.87× (0.84–0.91)": the median and the spread of the rounds; a bound says it is the highest round.
const showStats = (t) => {
  const v = t.value;
  const number = (x) => show(t, x).replace(t.unit, '');
  if (v.count < 2) return show(t, v.median);
  return v.bound
    ? `${show(t, v.median)} (highest of ${v.count} rounds: ${number(v.low)}–${number(v.high)})`
    : `${show(t, v.median)} (${number(v.low)}–${number(v.high)})`;
};
const sign = (t) => (t.kind === 'at-least' ? '≥' : '≤');
const spread = (s, digits, unit = '') => (s.count < 2 ? `${fmt(s.median, digits)}${unit}` : `${fmt(s.median, digits)}${unit} (${fmt(s.low, digits)}–${fmt(s.high, digits)})`);

// --- results.md -------------------------------------------------------------------------------
const md = [];
md.push('# Gatehouse benchmark results', '');
md.push(`Written by \`${facts.only ? `ONLY=${facts.only} ` : ''}bench/run.sh${sqlite ? '' : ' --postgres'}\` on ${facts.date}, commit ${facts.commit}, in ${facts.elapsed_s} s.`);
md.push(
  `Machine: ${facts.cpu}, ${cores} cores, shared with the load generator (wrk ${facts.wrk}) and anything else running; load average before: ${facts.load_before}.`,
);
md.push(
  `.NET ${facts.dotnet}, Node ${facts.node}${facts.next ? `, Next.js ${facts.next}` : ''}; database: ${sqlite ? 'SQLite' : `PostgreSQL ${facts.postgres ?? ''}`.trim()}. ` +
    `Each scenario: ${facts.warmup} s warm-up, then ${rounds} rounds of ${fmt(Number(facts.duration) / rounds, 0)} s measured; compared scenarios take turns within each round, ` +
    `and each figure is the **median of the rounds (lowest–highest round)**, each ratio the median of the rounds' side-by-side ratios; the verdict is the median's. ` +
    `Peak RSS is the highest round's (a bound); API start-up the median of ${apiStarts.count || rounds} restarts. ` +
    `GET scenarios use ${facts.connections} connections cycling through ${facts.sessions} signed-in users' cookies` +
    (get('login') || get('register')
      ? `; login and register ${2 * Number(facts.hash_concurrency)}, twice the ${facts.hash_concurrency} hashes the API admits at once (\`HASH_CONCURRENCY\`, \`Gatehouse:Passwords:MaxConcurrent\`), so one always waits at the gate` +
        `, and the pure hash rate ${cores} threads (one per core).`
      : '.'),
);
md.push('', `**Targets: ${targets.filter((t) => t.met).length} of ${targets.length} met.**`, '');
md.push('| Target | Measured: median (spread) | Goal | |', '| --- | ---: | ---: | --- |');
for (const t of targets) md.push(`| ${t.name} | ${showStats(t)} | ${sign(t)} ${show(t, t.target)} | ${t.met ? 'met' : '**missed**'} |`);

md.push('', '| Scenario | Conns | Requests/s: median (spread) | p50 / p99 ms (medians) | API CPU ms/req | Web CPU ms/req | Peak RSS API / web MiB | Reference | Ratio: median (spread) | Errors |');
md.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
for (const row of scenarios.values()) {
  const ref = reference[row.id];
  const r = ref ? (ref.cpu ? cpuRatio(row.id, ref.ref) : ratio(row.id, ref.ref)) : null;
  const hash = row.server === 'hash';
  // Mail: mails per second over one SMTP connection; no request latency to show.
  const mail = row.server === 'mail';
  md.push(
    `| ${row.label} | ${row.connections}${hash ? ' threads' : mail ? ' SMTP' : ''} | ${spread(row.rate, 0)} | ${hash || mail ? '–' : `${fmt(row.p50.median)} / ${fmt(row.p99.median)}`} | ${fmt(row.apiCpuMs, 3)}${hash ? ' (hash process)' : mail ? ' per mail' : ''} | ` +
      `${row.server === 'web' ? fmt(row.webCpuMs, 3) : '–'} | ${hash ? '–' : fmt(row.apiPeakKib / 1024, 0)} / ${row.server === 'web' ? fmt(row.webPeakKib / 1024, 0) : '–'} | ` +
      `${ref ? ref.of : 'itself'} | ${r ? spread(r, 2, '×') : '1.00×'} | ${row.errors} |`,
  );
}
md.push('');
md.push('| Process | Ready after start | Idle RSS | Peak RSS under load (highest round) |', '| --- | ---: | ---: | ---: |');
md.push(
  `| API | ${apiStarts.count ? `${fmt(apiStarts.median * 1000, 0)} ms (restart, median of ${apiStarts.count}: ${fmt(apiStarts.low * 1000, 0)}–${fmt(apiStarts.high * 1000, 0)}); ` : ''}` +
    `${fmt(number('api_first_start_ms'), 0)} ms on first start (creates the database) | ${fmt(number('api_idle_kib') / 1024, 0)} MiB | ${fmt(apiPeak.high, 0)} MiB |`,
);
if (facts.web_start_ms) md.push(`| Web (next start) | ${fmt(number('web_start_ms'), 0)} ms | ${fmt(number('web_idle_kib') / 1024, 0)} MiB | ${fmt(webPeak.high, 0)} MiB |`);
const notes = [];
if (get('pure_hash')) {
  notes.push(
    `Pure hash rate: \`bench/hash-cost.cs\` hashing on ${cores} threads at once in one process (libsodium's Argon2id, m=19456 KiB, t=2, p=1, as the API), ` +
      `${spread(pureHash, 0)} hashes per second, measured in every round next to the sign-ins; ${fmt(get('pure_hash').apiCpuMs, 1)} ms of CPU per hash.`,
  );
}
if (get('login')) notes.push(`Sign-ins: ${spread(get('login').rate, 0, '/s')} with ${get('login').connections} in flight.`);
if (get('refresh')) notes.push(`Refresh: ${fmt(get('refresh').rate.median / cores, 0)}/s per core, ${fmt(get('refresh').rate.median / cores / keycloakRefreshPerCore, 1)}× Keycloak's published ${keycloakRefreshPerCore}/s per vCPU.`);
if (get('password_sign_in')) {
  const password = get('password_sign_in');
  const line = (id, what) => (get(id) ? `, ${what} ${fmt(get(id).apiCpuMs, 2)} ms (${spread(cpuRatio(id, 'password_sign_in'), 3, '×')})` : '');
  notes.push(
    `Second factors (\`bench/second-factor.cs\`, ${password.connections} sign-ins in flight, each a whole flow; judged on the API's CPU per completed sign-in, ` +
      `since a TOTP run waits when every user has used the current time step): password only ${fmt(password.apiCpuMs, 2)} ms` +
      `${line('totp_sign_in', 'with TOTP')}${line('passkey_sign_in', 'passkey')}.`,
  );
}
if (get('register')) notes.push(`Register: ${fmt(get('register').rate.median / cores, 0)}/s per core.`);
if (get('mail')) {
  notes.push(
    `Mail: ${facts.mails} outbox rows per round written at once, delivered by the API's outbox sender over one SMTP connection to \`bench/smtp-sink.cs\` ` +
      `(a local SMTP server that counts arrivals); the rate runs from the first mail's arrival to the last's, so the sender's poll interval is not in it.`,
  );
}
if (get('forgot')) {
  const forgot = get('forgot');
  const login = get('login');
  notes.push(
    `Forgot password: one connection for 1 s per round, then until every request's mail is in the outbox (the request answers before its lookup, ` +
      `so the lookup, the voided older links, the token, the outbox row and the audit row run after the answer and are all in its cost): ` +
      `${fmt(forgot.apiCpuMs, 3)} ms of API CPU per request` +
      (login ? `, ${fmt(forgot.apiCpuMs / login.apiCpuMs, 3)}× a sign-in's ${fmt(login.apiCpuMs, 1)} ms.` : '.'),
  );
}
if (notes.length > 0) md.push('', notes.join(' '));

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

// --- results.svg: one bar per target, its median against its goal (the line); right of it is met.
// The whisker spans the rounds, lowest to highest.
const width = 960;
const rowHeight = 30;
const left = 310;
const barWidth = 320;
const top = 58;
const height = top + targets.length * rowHeight + 34;
const scaleMax = 2; // bars show measured ÷ goal (goal ÷ measured for upper bounds), up to 2×
const x = (v) => left + (Math.min(v, scaleMax) / scaleMax) * barWidth;
const relative = (t, v) => (t.kind === 'at-least' ? v / t.target : t.target / v);
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const svg = [];
svg.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`);
svg.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
svg.push(`<text x="16" y="24" font-size="16" font-weight="600">Gatehouse benchmark: ${targets.filter((t) => t.met).length} of ${targets.length} targets met (${sqlite ? 'SQLite' : 'PostgreSQL'}, ${escape(facts.date)})</text>`);
svg.push(`<text x="16" y="44" fill="#555" font-size="12">Bar: the median of ${rounds} rounds against its goal (past the line is met); whisker: the rounds' spread; peak RSS: the highest round. Scale ends at 2×.</text>`);
targets.forEach((t, i) => {
  const y = top + i * rowHeight;
  const colour = t.met ? '#2e7d32' : '#c62828';
  svg.push(`<text x="16" y="${y + 17}">${escape(t.name)}</text>`);
  svg.push(`<rect x="${left}" y="${y + 4}" width="${barWidth}" height="18" fill="#f0f0f0"/>`);
  svg.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(relative(t, t.value.median)) - left).toFixed(1)}" height="18" fill="${colour}"/>`);
  if (t.value.count > 1) {
    const [a, b] = [x(relative(t, t.value.low)), x(relative(t, t.value.high))].sort((p, q) => p - q);
    svg.push(`<line x1="${a.toFixed(1)}" y1="${y + 13}" x2="${b.toFixed(1)}" y2="${y + 13}" stroke="#000" stroke-width="1.5"/>`);
    for (const end of [a, b]) svg.push(`<line x1="${end.toFixed(1)}" y1="${y + 8}" x2="${end.toFixed(1)}" y2="${y + 18}" stroke="#000" stroke-width="1.5"/>`);
  }
  svg.push(`<text x="${left + barWidth + 8}" y="${y + 17}" fill="${colour}">${escape(`${showStats(t).replace(/ \(highest of \d+ rounds: /, ' (max; ')} (${sign(t)} ${show(t, t.target)})`)}</text>`);
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
