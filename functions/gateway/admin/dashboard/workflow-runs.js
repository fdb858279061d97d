// The dashboard's workflow runs panel. Loaded after dashboard.js, whose helpers (api, el, $, renderIfChanged,
// registerPanel, ...) it uses: recent runs of every API key from GET /api/v1/admin/workflow-runs, filtered by
// status; clicking a run expands it into its steps (the listing carries them, so no second request).
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic script (not a module) in the browser
'use strict';

const RUNS_PAGE_SIZE = 15;
const RUN_COLUMNS = 6;

const runsView = { status: '', page: 1, openId: null };

function runsPath() {
  const params = new URLSearchParams({ page: String(runsView.page), limit: String(RUNS_PAGE_SIZE) });
  if (runsView.status) params.set('status', runsView.status);
  return `/api/v1/admin/workflow-runs?${params}`;
}

/** The step a running run is at (`step_index` is the next one to take), e.g. `1 · delay`; finished runs: –. */
function currentStep(run) {
  if (run.status !== 'running') return '–';
  const step = run.steps[run.step_index];
  return step ? `${run.step_index} · ${step.type}` : String(run.step_index);
}

function renderRunSteps(run) {
  const rows = run.steps.map((s) =>
    el(
      'tr',
      { 'data-step': s.index },
      el('td', { class: 'num' }, s.index),
      el('td', {}, s.type),
      el('td', {}, el('span', { class: `badge ${s.state}` }, s.state)),
      el('td', {}, s.wait_until ? dateTimeOf(s.wait_until) : '–'),
      el('td', { class: 'mono', title: s.notification_id ?? '' }, s.notification_id ?? '–'),
      el('td', { class: 'reason' }, s.detail ?? ''),
    ),
  );
  const notes = [
    run.merged_into ? `merged into run ${run.merged_into}` : null,
    run.error ? `error: ${run.error}` : null,
    `request id ${run.request_id}`,
  ].filter(Boolean);
  return el(
    'tr',
    { class: 'run-steps', 'data-steps-of': run.workflow_run_id },
    el(
      'td',
      { colspan: RUN_COLUMNS },
      el('p', { class: 'muted small' }, `Run ${run.workflow_run_id} · ${notes.join(' · ')}`),
      el(
        'table',
        { class: 'grid steps' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ['#', 'type', 'state', 'wait until', 'notification', 'detail'].map((h) => el('th', {}, h)),
          ),
        ),
        el('tbody', {}, rows),
      ),
    ),
  );
}

function renderRuns(page) {
  const { data, meta } = page;
  $('runs-count').textContent = `(${fmt.format(meta.total)})`;
  $('runs-page').textContent = `page ${meta.page} of ${Math.max(1, meta.total_pages)}`;
  $('runs-prev').disabled = !meta.has_previous;
  $('runs-next').disabled = !meta.has_next;
  const body = $('workflow-runs').tBodies[0];
  if (data.length === 0) {
    const text = runsView.status
      ? `No ${runsView.status} runs.`
      : 'No workflow runs yet. Start one with POST /api/v1/workflows/:key/trigger.';
    body.replaceChildren(emptyRow(RUN_COLUMNS, text));
    return;
  }
  body.replaceChildren(
    ...data.flatMap((run) => {
      const open = run.workflow_run_id === runsView.openId;
      const row = el(
        'tr',
        {
          'data-id': run.workflow_run_id,
          class: open ? 'selected' : null,
          'aria-expanded': open ? 'true' : 'false',
          onclick: () => toggleRun(run.workflow_run_id),
        },
        el('td', { title: run.workflow_run_id }, `${run.workflow_key} v${run.version}`),
        el('td', { class: 'mono', title: run.user_id }, shortId(run.user_id)),
        el('td', {}, el('span', { class: `badge ${run.status}` }, run.status)),
        el('td', { class: 'current-step' }, currentStep(run)),
        el('td', {}, dateTimeOf(run.created_at)),
        el('td', {}, dateTimeOf(run.updated_at)),
      );
      return open ? [row, renderRunSteps(run)] : [row];
    }),
  );
}

function toggleRun(id) {
  runsView.openId = runsView.openId === id ? null : id;
  delete state.rendered.runs;
  void refreshNow();
}

registerPanel({
  refresh: () =>
    api('GET', runsPath()).then((r) =>
      renderIfChanged('runs', { data: r.data, meta: r.meta, open: runsView.openId }, renderRuns),
    ),
});

document.addEventListener('DOMContentLoaded', () => {
  $('runs-status').addEventListener('change', () => {
    runsView.status = $('runs-status').value;
    runsView.page = 1;
    void refreshNow();
  });
  $('runs-prev').addEventListener('click', () => ((runsView.page = Math.max(1, runsView.page - 1)), refreshNow()));
  $('runs-next').addEventListener('click', () => ((runsView.page += 1), refreshNow()));
});
