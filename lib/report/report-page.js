// The report page's own script (inlined by render-html.ts after ECharts): draws the report data — the
// summary, the timeline and each task's detail — and, on the local stack's live page, fetches it again
// every few seconds and draws it anew. Every text goes in through textContent: task data is never markup.
(() => {
  const outcomeColours = {
    succeeded: '#2e9e5b',
    failed: '#d64545',
    aborted: '#e08a1e',
    rejected: '#8e5bd6',
    lost: '#555555',
    uncertain: '#c9a800',
    active: '#3b7dd8',
  };
  // Stretches that are not the run itself have colours of their own, whatever the outcome.
  const stateColours = { WAITING: '#aab4c3', RETRY_WAIT: '#f2c14e', FAILED: '#f29b9b', UNCERTAIN: '#c9a800' };
  const terminal = new Set(['SUCCEEDED', 'FAILED_FINAL', 'ABORTED', 'REJECTED', 'LOST']);
  const config = JSON.parse(document.getElementById('report-config').textContent);
  const hooks = { data: null, chart: null, outcomeColours, stateColours, updates: 0 };
  window.bulkpilotReport = hooks;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  function duration(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
    const h = Math.floor(m / 60);
    return `${h}h${String(m % 60).padStart(2, '0')}m`;
  }
  const time = (ms) => (ms === null || ms === undefined ? '–' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
  const percent = (share) => (share === null || share === undefined ? '–' : `${Math.round(share * 1000) / 10} %`);
  const costText = (c) => (c ? `${c.readUnits} RCU + ${c.writeUnits} WCU, ${c.backendCalls} backend calls, ${duration(c.lambdaMs)} Lambda` : '–');
  // A terminal state the task later left (an operator's retry) is grey; its own end is its outcome.
  const segmentColour = (task, segment) =>
    stateColours[segment.state] || (terminal.has(segment.state) && segment.state !== task.state ? '#777777' : outcomeColours[task.outcome]);

  function renderSummary(data) {
    const s = data.summary;
    const figure = (key, label, value, note) =>
      el('div', { class: 'figure', 'data-figure': key }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), note ? el('div', { class: 'note' }, note) : null);
    const states = Object.entries(s.byState).sort(([a], [b]) => a.localeCompare(b));
    const root = document.getElementById('summary');
    root.replaceChildren(
      figure('tasks', 'tasks', String(s.tasks), data.truncated ? 'the newest only: more matched (--max)' : null),
      figure('success-rate', 'success rate', percent(s.successRate), `${s.byOutcome.succeeded || 0} of ${s.tasks - (s.byOutcome.active || 0) - (s.byOutcome.uncertain || 0)} ended`),
      figure('run-p50', 'run time p50', duration(s.runMs.p50), `${s.runMs.count} runs`),
      figure('run-p95', 'run time p95', duration(s.runMs.p95)),
      figure('detection-p50', 'detection delay p50', duration(s.detectionDelayMs.p50), `${s.detectionDelayMs.count} known, ${s.detectionDelayMs.unknown} unknown`),
      figure('detection-p95', 'detection delay p95', duration(s.detectionDelayMs.p95)),
      figure('retries', 'retries', String(s.retries.total), `${s.retries.tasks} tasks retried`),
      figure('cost-total', 'cost, total', costText(s.cost.total), `${s.cost.tasks} tasks with a recorded cost`),
      figure('cost-per-task', 'cost per task', costText(s.cost.perTask)),
      el(
        'div',
        { class: 'figure states', 'data-figure': 'by-state' },
        el('div', { class: 'label' }, 'by state'),
        el(
          'div',
          { class: 'value' },
          states.map(([state, n]) => el('span', { class: 'chip', 'data-state': state, 'data-count': n }, `${state} ${n}`)),
        ),
      ),
    );
  }

  function rows(data) {
    const names = [];
    const first = new Map();
    for (const t of data.targets) {
      first.set(t.name, names.length);
      for (let lane = 0; lane < t.lanes; lane++) names.push(lane === 0 ? t.name : `${t.name} ·${lane + 1}`);
    }
    return { names, rowOf: (task) => first.get(task.target) + task.lane };
  }

  function renderTimeline(data) {
    const { names, rowOf } = rows(data);
    const items = [];
    const meta = [];
    for (const task of data.tasks) {
      const row = rowOf(task);
      task.segments.forEach((segment, i) => {
        const attemptStart = segment.attempt > 1 && (i === 0 || task.segments[i - 1].attempt !== segment.attempt);
        meta.push({ task, segment, attemptStart });
        const faded = segment.state === 'ACCEPTED' || segment.state === 'SUBMITTED';
        items.push({
          name: task.taskId,
          value: [row, segment.from, Math.max(segment.to, segment.from + 1), meta.length - 1],
          itemStyle: { color: segmentColour(task, segment), opacity: faded ? 0.6 : 1 },
        });
      });
    }
    const container = document.getElementById('timeline');
    const height = Math.max(220, names.length * 26 + 110);
    container.style.height = `${height}px`;
    if (!hooks.chart) {
      hooks.chart = echarts.init(container, null, { renderer: 'svg' });
      hooks.chart.on('click', (p) => p.name && openTask(p.name));
      window.addEventListener('resize', () => hooks.chart.resize());
    } else hooks.chart.resize({ height });
    hooks.meta = meta;
    const ends = data.tasks.map((t) => t.endedAt ?? data.generatedAt);
    const starts = data.tasks.map((t) => t.acceptedAt);
    hooks.chart.setOption(
      {
        animation: false,
        grid: { left: 110, right: 30, top: 20, bottom: 60 },
        tooltip: {
          formatter: (p) => {
            const m = meta[p.value[3]];
            if (!m) return '';
            const lines = [
              `<b>${escapeHtml(m.task.target)}</b> ${escapeHtml(m.task.taskId)}`,
              `${escapeHtml(m.segment.state)}${m.segment.attempt ? `, attempt ${m.segment.attempt}` : ''}: ${duration(m.segment.to - m.segment.from)}`,
              `${time(m.segment.from)} → ${time(m.segment.to)}`,
              `task ${escapeHtml(m.task.state)}${m.task.remoteId ? `, job ${escapeHtml(m.task.remoteId)}` : ''}`,
            ];
            return lines.join('<br>');
          },
        },
        xAxis: {
          type: 'time',
          min: starts.length ? Math.min(...starts) : data.generatedAt - 3_600_000,
          max: ends.length ? Math.max(...ends, data.generatedAt) : data.generatedAt,
        },
        yAxis: { type: 'category', data: names, inverse: true, axisTick: { show: false } },
        dataZoom: [
          { type: 'slider', xAxisIndex: 0, filterMode: 'weakFilter', height: 18, bottom: 10 },
          { type: 'inside', xAxisIndex: 0, filterMode: 'weakFilter' },
        ],
        series: [
          {
            type: 'custom',
            name: 'tasks',
            encode: { x: [1, 2], y: 0 },
            renderItem: (params, api) => {
              const row = api.value(0);
              const from = api.coord([api.value(1), row]);
              const to = api.coord([api.value(2), row]);
              const h = api.size([0, 1])[1] * 0.62;
              const shape = echarts.graphic.clipRectByRect(
                // A task that ended at once (a rejected request) still shows as a mark.
                { x: from[0], y: from[1] - h / 2, width: Math.max(5, to[0] - from[0]), height: h },
                { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height },
              );
              if (!shape) return undefined;
              const m = meta[api.value(3)];
              const children = [{ type: 'rect', shape, style: api.style() }];
              // Each run after the first starts with a white edge and its number.
              if (m?.attemptStart) {
                children.push({ type: 'rect', shape: { x: shape.x, y: shape.y, width: 2, height: shape.height }, style: { fill: '#ffffff' } });
                if (shape.width > 22)
                  children.push({ type: 'text', style: { text: `#${m.segment.attempt}`, x: shape.x + 4, y: shape.y + shape.height / 2, verticalAlign: 'middle', fill: '#222', fontSize: 10 } });
              }
              return { type: 'group', children };
            },
            data: items,
          },
        ],
      },
      { replaceMerge: ['series', 'yAxis', 'xAxis'] },
    );
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function field(label, value) {
    return value === null || value === undefined || value === '' ? null : [el('dt', {}, label), el('dd', { 'data-field': label }, value)];
  }

  function renderTask(task) {
    const colour = outcomeColours[task.outcome];
    const head = el(
      'summary',
      {},
      el('span', { class: 'dot', style: `background:${colour}` }),
      el('span', { class: 'target' }, task.target),
      el('span', { class: 'id' }, task.taskId),
      el('span', { class: 'state', 'data-state': task.state }, task.state + (task.deleted ? ' (deleted)' : '')),
      el('span', { class: 'job' }, task.remoteId ? `job ${task.remoteId}` : 'no job'),
      el('span', { class: 'run' }, `run ${duration(task.runMs)}`),
      el('span', { class: 'attempts' }, `${task.attempts} attempt${task.attempts === 1 ? '' : 's'}`),
    );
    const dl = el(
      'dl',
      {},
      field('request', task.requestId),
      field('backend', task.backend),
      field('accepted', time(task.acceptedAt)),
      field('ended', task.endedAt === null ? 'not yet' : time(task.endedAt)),
      field('job', task.remoteId),
      field('reference', task.remote ? Object.entries(task.remote).map(([k, v]) => `${k}=${v}`).join(' ') : null),
      field('backend state', [task.remoteState, task.stage].filter(Boolean).join(' / ') || null),
      field('progress', task.progress === null ? null : percent(task.progress)),
      field('source → destination', task.source || task.destination ? `${task.source ?? '–'} → ${task.destination ?? '–'}` : null),
      field('run time', duration(task.runMs)),
      field('detection delay', task.detectionDelayMs !== null ? duration(task.detectionDelayMs) : task.detectionUnknown ? `unknown: ${task.detectionUnknown}` : null),
      field('retries', String(task.retries)),
      field('counters', task.counters ? Object.entries(task.counters).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ') : null),
      field('cost', costText(task.cost)),
      field('last error', task.error),
    );
    const history = el(
      'table',
      { class: 'history' },
      el('thead', {}, el('tr', {}, el('th', {}, 'time'), el('th', {}, 'from'), el('th', {}, 'to'), el('th', {}, 'reason'))),
      el(
        'tbody',
        {},
        task.history.map((e) => el('tr', {}, el('td', {}, time(e.at)), el('td', {}, e.from ?? '–'), el('td', {}, e.to), el('td', {}, e.reason))),
      ),
    );
    const log = task.log
      ? el(
          'div',
          { class: 'log' },
          el('h4', {}, 'last log lines'),
          'unavailable' in task.log
            ? el('p', { class: 'note' }, `the log could not be read: ${task.log.unavailable}`)
            : [
                el('pre', {}, task.log.lines.length ? task.log.lines.join('\n') : '(the backend no longer serves it live)'),
                task.log.location ? el('p', { class: 'note' }, `the whole log: ${task.log.location}`) : null,
              ],
        )
      : null;
    return el('details', { class: 'task', id: `task-${task.taskId}`, 'data-task-id': task.taskId, 'data-outcome': task.outcome }, head, dl, el('h4', {}, 'history'), history, log);
  }

  function renderDetails(data) {
    const root = document.getElementById('tasks');
    const open = new Set([...root.querySelectorAll('details[open]')].map((d) => d.dataset.taskId));
    // Newest first, as `bulkpilot list` shows them.
    const tasks = [...data.tasks].sort((a, b) => b.acceptedAt - a.acceptedAt);
    root.replaceChildren(...(tasks.length ? tasks.map(renderTask) : [el('p', { class: 'note' }, 'no task matches')]));
    for (const id of open) document.getElementById(`task-${id}`)?.setAttribute('open', '');
  }

  function openTask(taskId) {
    const node = document.getElementById(`task-${taskId}`);
    if (!node) return;
    node.open = true;
    node.scrollIntoView({ block: 'start' });
  }

  function renderHeader(data) {
    const f = data.filters;
    const parts = [
      f.since !== undefined ? `since ${time(f.since)}` : null,
      f.until !== undefined ? `until ${time(f.until)}` : null,
      f.target ? `target ${f.target}` : null,
      f.states?.length ? `state ${f.states.join(',')}` : null,
    ].filter(Boolean);
    document.getElementById('generated').textContent =
      `generated ${time(data.generatedAt)}${parts.length ? ` · ${parts.join(' · ')}` : ' · every task'}${config.live ? ` · live, every ${config.live.intervalMs / 1000} s` : ''}`;
  }

  function renderLegend() {
    const root = document.getElementById('legend');
    const entry = (colour, label, opacity) => el('span', { class: 'entry' }, el('span', { class: 'swatch', style: `background:${colour};opacity:${opacity ?? 1}` }), label);
    root.replaceChildren(
      ...Object.entries(outcomeColours).map(([k, c]) => entry(c, k)),
      entry('#3b7dd8', 'accepted / submitted (lighter)', 0.6),
      entry(stateColours.WAITING, 'waiting for a slot'),
      entry(stateColours.RETRY_WAIT, 'waiting to retry'),
      entry(stateColours.FAILED, 'failed, retry to be decided'),
      el('span', { class: 'entry' }, el('span', { class: 'swatch edge' }), 'white edge #n: attempt n starts'),
    );
  }

  function render(data) {
    hooks.data = data;
    renderHeader(data);
    renderSummary(data);
    renderTimeline(data);
    renderDetails(data);
    hooks.updates++;
  }

  renderLegend();
  render(JSON.parse(document.getElementById('report-data').textContent));
  if (config.live) {
    const status = document.getElementById('live-status');
    setInterval(async () => {
      try {
        const response = await fetch(config.live.url, { cache: 'no-store' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        render(await response.json());
        status.textContent = '';
      } catch (error) {
        status.textContent = `the live update failed (${error.message}); trying again`;
      }
    }, config.live.intervalMs);
  }
})();
