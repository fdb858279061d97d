// The operator dashboard: plain browser JavaScript, no build step, no CDN.
// Everything it shows comes from the gateway's /api/v1/admin/* routes (scope
// admin), GET /api/v1/webhooks (endpoints with their health) and
// GET /api/v1/notifications/:id (the timeline); it polls every 2 s.
// The workflow runs panel is its own script (workflow-runs.js).
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic script (not a module) in the browser
'use strict';

const POLL_MS = 2000;
// listing dead letters has the broker lend them out for a moment (RabbitMQ): list only when their count moved,
// after a redrive, or when the list is this old
const DEAD_LETTERS_MAX_AGE_MS = 30_000;
const KEY_STORAGE = 'notify.dashboard.key';
const PAGE_SIZE = 15;
// endpoints shown with their health (the newest first; the count says how many there are)
const WEBHOOK_LIMIT = 50;
const SVG_NS = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);

/** Panels of other scripts (workflow-runs.js): each `refresh()` is polled with the rest of the board. */
const panels = [];
// biome-ignore lint/correctness/noUnusedVariables: called by the panel scripts loaded after this one
function registerPanel(panel) {
  panels.push(panel);
}

const state = {
  key: sessionStorage.getItem(KEY_STORAGE),
  paused: false,
  timer: undefined,
  search: { q: '', status: '', type: '', page: 1 },
  selectedId: null,
  /** Last rendered JSON per region, so an unchanged poll does not redraw (and keeps hover and focus). */
  rendered: {},
  /** When the dead letters were last listed, and how many there were then; null: list on the next poll. */
  deadListed: null,
};

// ---- API ---------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, key = state.key) {
  let res;
  try {
    res = await fetch(path, { method, headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'network', 'The gateway did not answer (network error). Retrying…');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not the envelope: a proxy's error page, say
  }
  if (!res.ok || !body || body.success !== true) {
    const message = body && typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, body?.error, message);
  }
  return body;
}

/** What to tell the operator about a refused key. */
function keyProblem(err) {
  if (err.status === 401) return 'That key was not accepted: it is unknown, revoked or mistyped.';
  if (err.status === 403) return 'That key is valid but has no admin scope. Use a key with scope admin.';
  return err.message;
}

// ---- small DOM helpers -----------------------------------------------------------

/** An element with attributes and children; strings become text nodes (never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const fmt = new Intl.NumberFormat();
const shortId = (id) => (id ? id.slice(0, 8) : '–');
const timeOf = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '–');
const dateTimeOf = (iso) => (iso ? new Date(iso).toLocaleString([], { hour12: false }) : '–');

function emptyRow(columns, text) {
  return el('tr', {}, el('td', { class: 'empty', colspan: columns }, text));
}

/** Replace a region's content only when its data changed. */
function renderIfChanged(region, data, render) {
  const json = JSON.stringify(data);
  if (state.rendered[region] === json) return;
  state.rendered[region] = json;
  render(data);
}

// ---- charts (inline SVG) -------------------------------------------------------------

const TICKS = 4;

/** A gridline step that reads well (1, 2, 2.5, 5 times a power of ten) with TICKS steps covering `value`. */
function niceStep(value, integer) {
  const raw = value > 0 ? value / TICKS : 0.25;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return integer ? Math.max(1, Math.ceil(step)) : step;
}

/**
 * A line chart of `series` ([{ name, color, values: (number|null)[] }]) over
 * `times` (ISO strings), into the <svg> `node`. Gaps (null) break the line.
 */
function lineChart(node, times, series, { integer = false, emptyText = 'No data yet' } = {}) {
  const width = node.clientWidth || 600;
  const height = node.clientHeight || 200;
  const pad = { left: 44, right: 10, top: 10, bottom: 22 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  node.replaceChildren();
  node.setAttribute('viewBox', `0 0 ${width} ${height}`);

  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const step = niceStep(Math.max(0, ...all), integer);
  const max = step * TICKS;
  const x = (i) => pad.left + (times.length <= 1 ? plotW : (i / (times.length - 1)) * plotW);
  const y = (v) => pad.top + plotH - (v / max) * plotH;

  for (let i = 0; i <= TICKS; i++) {
    const value = step * i;
    node.append(svg('line', { class: 'grid-line', x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }));
    node.append(
      svg(
        'text',
        { class: 'axis-label', x: pad.left - 6, y: y(value) + 3, 'text-anchor': 'end' },
        fmt.format(Number(value.toFixed(2))),
      ),
    );
  }
  if (times.length > 0) {
    for (const i of new Set([0, Math.floor((times.length - 1) / 2), times.length - 1])) {
      const anchor = i === times.length - 1 ? 'end' : i === 0 ? 'start' : 'middle';
      node.append(svg('text', { class: 'axis-label', x: x(i), y: height - 6, 'text-anchor': anchor }, timeOf(times[i])));
    }
  }
  if (all.length === 0) {
    node.append(
      svg('text', { class: 'empty-label', x: pad.left + plotW / 2, y: pad.top + plotH / 2, 'text-anchor': 'middle' }, emptyText),
    );
    return;
  }
  const present = (v) => v !== null && v !== undefined;
  for (const s of series) {
    let path = '';
    let area = '';
    s.values.forEach((v, i) => {
      if (!present(v)) return;
      const joined = i > 0 && present(s.values[i - 1]);
      path += `${joined ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      // a point with no neighbour draws no line: mark it
      if (!joined && !present(s.values[i + 1])) node.append(svg('circle', { cx: x(i), cy: y(v), r: 2.5, fill: s.color }));
    });
    if (s.fill && s.values.every(present)) {
      area = `${path}L${x(s.values.length - 1).toFixed(1)},${y(0)}L${x(0).toFixed(1)},${y(0)}Z`;
      node.append(svg('path', { class: 'area', d: area, fill: s.color }));
    }
    node.append(svg('path', { class: 'series', d: path, stroke: s.color }));
  }
}

function legend(node, items) {
  node.replaceChildren(
    ...items.map((item) => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = item.color;
      return el('span', {}, swatch, item.name, el('b', {}, item.value));
    }),
  );
}

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// ---- regions ------------------------------------------------------------------

function renderOverview(o) {
  const t = o.totals;
  $('stat-created').textContent = fmt.format(t.created);
  $('stat-delivered').textContent = fmt.format(t.delivered);
  $('stat-failed').textContent = fmt.format(t.failed);
  $('stat-window').textContent = `last ${o.window_minutes} min`;
  $('throughput-caption').textContent = `notifications per ${o.bucket_seconds} s, last ${o.window_minutes} min`;

  if (o.queue) {
    const keys = Object.entries(o.queue.keys);
    $('stat-depth').textContent = fmt.format(keys.reduce((n, [, k]) => n + k.depth, 0));
    $('stat-dead').textContent = fmt.format(o.queue.dead_letter_depth);
    $('stat-dead').classList.toggle('bad', o.queue.dead_letter_depth > 0);
    $('queues').tBodies[0].replaceChildren(
      ...keys.map(([key, k]) =>
        el(
          'tr',
          {},
          el('td', { class: 'mono' }, key),
          el('td', { class: 'num' }, fmt.format(k.depth)),
          el('td', { class: 'num' }, fmt.format(k.in_flight)),
          el('td', { class: 'num' }, fmt.format(k.dead_lettered)),
        ),
      ),
    );
  } else {
    $('stat-depth').textContent = '?';
    $('stat-dead').textContent = '?';
    $('queues').tBodies[0].replaceChildren(emptyRow(4, `The broker did not answer: ${o.queue_error}`));
  }

  const times = o.throughput.map((b) => b.at);
  const throughput = [
    { name: 'created', color: css('--c-created'), values: o.throughput.map((b) => b.created), fill: true },
    { name: 'delivered', color: css('--c-delivered'), values: o.throughput.map((b) => b.delivered) },
    { name: 'failed', color: css('--c-failed'), values: o.throughput.map((b) => b.failed) },
  ];
  const quiet = o.throughput.every((b) => b.created + b.delivered + b.failed === 0);
  lineChart($('throughput-chart'), times, quiet ? throughput.map((s) => ({ ...s, values: [] })) : throughput, {
    integer: true,
    emptyText: 'Nothing sent in this window',
  });
  const last = o.throughput.at(-2) ?? o.throughput.at(-1); // the newest bucket is still filling
  const perSecond = (n) => `${(n / o.bucket_seconds).toFixed(1)}/s`;
  legend(
    $('throughput-legend'),
    throughput.map((s) => ({ ...s, value: last ? perSecond(last[s.name]) : '–' })),
  );

  const lat = o.latency;
  const latency = [
    { name: 'p50', color: css('--c-p50'), values: lat.map((p) => p.p50_ms) },
    { name: 'p95', color: css('--c-p95'), values: lat.map((p) => p.p95_ms) },
    { name: 'p99', color: css('--c-p99'), values: lat.map((p) => p.p99_ms) },
  ];
  lineChart(
    $('latency-chart'),
    lat.map((p) => p.at),
    latency,
    { emptyText: lat.length === 0 ? 'Collecting (a point every 5 s)…' : 'No API requests in this window' },
  );
  const lastLatency = [...lat].reverse().find((p) => p.requests > 0);
  legend(
    $('latency-legend'),
    latency.map((s) => ({ ...s, value: lastLatency ? `${lastLatency[`${s.name}_ms`]} ms` : '–' })),
  );
}

function renderDeadLetters(d) {
  $('dead-count').textContent = `(${fmt.format(d.dead_letter_depth)})`;
  $('redrive-all').disabled = d.items.length === 0;
  const body = $('dead-letters').tBodies[0];
  if (d.items.length === 0) {
    body.replaceChildren(emptyRow(6, 'No dead letters. Nothing is stuck.'));
    return;
  }
  body.replaceChildren(
    ...d.items.map((letter) =>
      el(
        'tr',
        { 'data-dead-letter': letter.id },
        el('td', { class: 'mono' }, letter.key ?? '?'),
        el(
          'td',
          { class: 'mono' },
          letter.notification_id
            ? el(
                'a',
                { href: '#', onclick: (e) => (e.preventDefault(), openNotification(letter.notification_id)) },
                shortId(letter.notification_id),
              )
            : '–',
        ),
        el('td', { class: 'reason' }, letter.reason),
        el('td', { class: 'num' }, letter.attempts),
        el('td', {}, timeOf(letter.failed_at)),
        el(
          'td',
          {},
          el(
            'button',
            {
              type: 'button',
              class: 'small secondary',
              'data-redrive': letter.id,
              onclick: (e) => redrive(letter.id, e.currentTarget),
            },
            'Redrive',
          ),
        ),
      ),
    ),
  );
}

function renderWebhooks(page) {
  const { data, meta } = page;
  $('webhook-count').textContent = `(${fmt.format(meta.total)})`;
  const body = $('webhooks').tBodies[0];
  if (data.length === 0) {
    body.replaceChildren(emptyRow(5, 'No webhook endpoints. Register one with POST /api/v1/webhooks.'));
    return;
  }
  const percent = (rate) => (rate === null ? '–' : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)} %`);
  body.replaceChildren(
    ...data.map((e) => {
      const h = e.health;
      const error = h.last_error;
      return el(
        'tr',
        { 'data-endpoint': e.id },
        el(
          'td',
          { class: 'reason' },
          el('div', { class: 'mono' }, e.url),
          e.description ? el('div', { class: 'muted small' }, e.description) : null,
        ),
        el(
          'td',
          {},
          el('span', { class: `badge ${h.state}` }, h.state),
          e.disabled_reason ? el('div', { class: 'muted small' }, e.disabled_reason) : null,
        ),
        el(
          'td',
          { class: 'num', title: `${fmt.format(h.attempts)} attempts` },
          percent(h.success_rate),
          el('div', { class: 'muted small' }, `${fmt.format(h.attempts)} attempts`),
        ),
        el('td', { class: 'num' }, fmt.format(h.backlog)),
        el(
          'td',
          { class: 'reason' },
          error ? `${error.code}${error.status ? ` (${error.status})` : ''} · ${dateTimeOf(error.at)}` : '–',
        ),
      );
    }),
  );
}

function renderNotifications(page) {
  const { data, meta } = page;
  $('notif-count').textContent = `(${fmt.format(meta.total)})`;
  $('page').textContent = `page ${meta.page} of ${meta.total_pages}`;
  $('prev').disabled = !meta.has_previous;
  $('next').disabled = !meta.has_next;
  const body = $('notifications').tBodies[0];
  if (data.length === 0) {
    const filtered = state.search.q || state.search.status || state.search.type;
    body.replaceChildren(
      emptyRow(6, filtered ? 'No notification matches.' : 'No notifications yet. Send one with POST /api/v1/notifications.'),
    );
    return;
  }
  body.replaceChildren(
    ...data.map((n) =>
      el(
        'tr',
        { 'data-id': n.id, class: n.id === state.selectedId ? 'selected' : null, onclick: () => openNotification(n.id) },
        el('td', {}, timeOf(n.created_at)),
        el('td', { class: 'mono', title: n.id }, shortId(n.id)),
        el('td', {}, n.notification_type),
        el('td', {}, n.template_code),
        el('td', { class: 'mono', title: n.user_id }, shortId(n.user_id)),
        el('td', {}, el('span', { class: `badge ${n.status}` }, n.status)),
      ),
    ),
  );
}

function renderDetail(n) {
  const fields = [
    ['id', n.id],
    ['status', n.status_reason ? `${n.status} (${n.status_reason})` : n.status],
    ['channel', n.notification_type],
    ['template', `${n.template_code} v${n.template_version ?? '?'} (${n.language ?? '?'})`],
    ['user', n.user_id],
    ['request id', n.request_id],
    ['priority', n.priority],
    ['created', dateTimeOf(n.created_at)],
  ];
  if (n.send_at) fields.push(['send at', dateTimeOf(n.send_at)]);
  const events = n.timeline.map((e) =>
    el(
      'li',
      { class: e.status },
      el('strong', {}, e.status),
      el('span', { class: 'when' }, `${timeOf(e.occurred_at)}${e.attempt ? ` · attempt ${e.attempt}` : ''}`),
      e.provider || e.response ? el('div', { class: 'what' }, [e.provider, e.response].filter(Boolean).join(' · ')) : null,
      e.error ? el('div', { class: 'what err' }, e.error) : null,
    ),
  );
  $('detail').replaceChildren(
    el('h3', {}, `Notification ${shortId(n.id)}`),
    el(
      'dl',
      {},
      fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]),
    ),
    el('h2', {}, 'Timeline'),
    events.length > 0
      ? el('ol', { class: 'timeline', id: 'timeline' }, events)
      : el('p', { class: 'muted' }, 'No events yet: it is waiting to be queued.'),
  );
}

// ---- actions -------------------------------------------------------------------

function searchPath() {
  const s = state.search;
  const params = new URLSearchParams({ page: String(s.page), limit: String(PAGE_SIZE) });
  if (s.q) params.set('q', s.q);
  if (s.status) params.set('status', s.status);
  if (s.type) params.set('notification_type', s.type);
  return `/api/v1/admin/notifications?${params}`;
}

function deadLettersDue(depth) {
  const last = state.deadListed;
  return !last || last.depth !== depth || Date.now() - last.at >= DEAD_LETTERS_MAX_AGE_MS;
}

async function refresh() {
  const jobs = [
    api('GET', '/api/v1/admin/overview').then(async (r) => {
      renderIfChanged('overview', r.data, renderOverview);
      if (deadLettersDue(r.data.queue?.dead_letter_depth)) {
        const d = await api('GET', '/api/v1/admin/dead-letters?limit=100');
        state.deadListed = { at: Date.now(), depth: d.data.dead_letter_depth };
        renderIfChanged('dead', d.data, renderDeadLetters);
      }
    }),
    api('GET', `/api/v1/webhooks?limit=${WEBHOOK_LIMIT}`).then((r) =>
      renderIfChanged('webhooks', { data: r.data, meta: r.meta }, renderWebhooks),
    ),
    api('GET', searchPath()).then((r) =>
      renderIfChanged('list', { data: r.data, meta: r.meta, selected: state.selectedId }, renderNotifications),
    ),
    ...panels.map((panel) => panel.refresh()),
  ];
  if (state.selectedId) {
    const id = state.selectedId;
    jobs.push(
      api('GET', `/api/v1/notifications/${id}`).then(
        (r) => id === state.selectedId && renderIfChanged('detail', r.data, renderDetail),
      ),
    );
  }
  const results = await Promise.allSettled(jobs);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure && (failure.reason.status === 401 || failure.reason.status === 403)) {
    logout(keyProblem(failure.reason));
    return;
  }
  $('banner').hidden = !failure;
  if (failure) $('banner').textContent = failure.reason.message;
  setLive(failure ? 'error' : 'live');
  $('updated').textContent = `updated ${timeOf(new Date().toISOString())}`;
}

function setLive(mode) {
  const live = $('live');
  live.dataset.state = state.paused ? 'paused' : mode;
  live.textContent = state.paused ? 'paused' : mode === 'live' ? 'live' : mode === 'error' ? 'trouble' : 'connecting';
}

function schedule() {
  clearTimeout(state.timer);
  if (!state.key || state.paused) return;
  state.timer = setTimeout(async () => {
    await refresh().catch((err) => console.error(err));
    schedule();
  }, POLL_MS);
}

async function refreshNow() {
  await refresh().catch((err) => console.error(err));
  schedule();
}

async function redrive(id, button) {
  button.disabled = true;
  button.textContent = 'Redriving…';
  const note = $('dead-note');
  try {
    const path =
      id === 'all' ? '/api/v1/admin/dead-letters/redrive' : `/api/v1/admin/dead-letters/${encodeURIComponent(id)}/redrive`;
    const res = await api('POST', path);
    note.className = 'note';
    note.textContent = res.message;
  } catch (err) {
    note.className = 'note error';
    note.textContent = `Redrive failed: ${err.message}`;
    button.disabled = false;
    button.textContent = id === 'all' ? 'Redrive all' : 'Redrive';
  }
  state.deadListed = null;
  await refreshNow();
}

function openNotification(id) {
  state.selectedId = id;
  delete state.rendered.detail;
  delete state.rendered.list;
  $('detail').replaceChildren(el('p', { class: 'muted empty' }, 'Loading…'));
  void refreshNow();
}

function showBoard() {
  $('login').hidden = true;
  $('board').hidden = false;
  $('session').hidden = false;
  state.rendered = {};
  setLive('connecting');
  void refreshNow();
}

function logout(message) {
  clearTimeout(state.timer);
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  $('board').hidden = true;
  $('session').hidden = true;
  $('login').hidden = false;
  $('login-error').hidden = !message;
  $('login-error').textContent = message ?? '';
  $('api-key').value = '';
  $('api-key').focus();
}

async function login(event) {
  event.preventDefault();
  const key = $('api-key').value.trim();
  const submit = $('login-submit');
  submit.disabled = true;
  $('login-error').hidden = true;
  try {
    // one cheap admin call proves the key before the board opens
    await api('GET', '/api/v1/admin/dead-letters?limit=1', key);
    state.key = key;
    sessionStorage.setItem(KEY_STORAGE, key);
    showBoard();
  } catch (err) {
    $('login-error').hidden = false;
    $('login-error').textContent = keyProblem(err);
  } finally {
    submit.disabled = false;
  }
}

// ---- wiring ------------------------------------------------------------------------

function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

function onSearchChange() {
  state.search = { q: $('q').value.trim(), status: $('status').value, type: $('type').value, page: 1 };
  void refreshNow();
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => logout());
  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
    setLive('live');
    if (!state.paused) void refreshNow();
    else clearTimeout(state.timer);
  });
  $('redrive-all').addEventListener('click', (e) => redrive('all', e.currentTarget));
  $('search').addEventListener('submit', (e) => (e.preventDefault(), onSearchChange()));
  $('q').addEventListener('input', debounce(onSearchChange, 300));
  $('status').addEventListener('change', onSearchChange);
  $('type').addEventListener('change', onSearchChange);
  $('prev').addEventListener('click', () => ((state.search.page = Math.max(1, state.search.page - 1)), refreshNow()));
  $('next').addEventListener('click', () => ((state.search.page += 1), refreshNow()));
  window.addEventListener(
    'resize',
    debounce(() => ((state.rendered.overview = undefined), refreshNow()), 200),
  );
  if (state.key) showBoard();
  else $('api-key').focus();
});
