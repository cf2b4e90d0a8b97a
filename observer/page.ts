/**
 * The observer's one page and its script: no build step, no framework. The script opens the event
 * stream (`api/stream`) and redraws the actors, the groups and the event log from each snapshot;
 * everything it shows comes from the JSON documented in docs/observer.md. Text is set with
 * `textContent` (never HTML), so names and messages cannot inject markup.
 */

export const OBSERVER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>infrakit-ts observer</title>
<style>
  :root { --fg: #1d2430; --muted: #6b7280; --line: #e5e7eb; --ok: #15803d; --warn: #b45309; --bad: #b91c1c; --accent: #2563eb; }
  body { font: 13px/1.4 system-ui, sans-serif; color: var(--fg); margin: 0; background: #f8fafc; }
  header { display: flex; gap: 1em; align-items: baseline; padding: 10px 16px; background: #0f172a; color: #e2e8f0; }
  header h1 { font-size: 16px; margin: 0; }
  header .conn { margin-left: auto; font-size: 12px; }
  main { padding: 12px 16px; display: grid; gap: 16px; }
  section.card { background: white; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
  h2 { font-size: 14px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .running, .healthy, .yes { color: var(--ok); }
  .restarting, .starting, .unknown, .no { color: var(--warn); }
  .failed, .stopped, .unhealthy, .unreachable, .problem { color: var(--bad); }
  .bar { display: inline-block; width: 120px; height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; vertical-align: middle; }
  .bar > span { display: block; height: 100%; background: var(--accent); }
  svg.spark { vertical-align: middle; }
  .group { border-top: 1px solid var(--line); padding: 8px 0; }
  .group h3 { font-size: 13px; margin: 0 0 4px; }
  .instances { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
  .instance { font: 11px ui-monospace, monospace; border: 1px solid var(--line); border-radius: 3px; padding: 1px 4px; }
  #events { list-style: none; margin: 0; padding: 0; max-height: 320px; overflow: auto; font: 12px ui-monospace, monospace; }
  #events li { border-bottom: 1px solid var(--line); padding: 2px 0; }
  #events time { color: var(--muted); margin-right: 6px; }
  .muted { color: var(--muted); }
  button { font-size: 12px; margin-left: 4px; }
</style>
</head>
<body>
<header><h1>infrakit-ts observer</h1><span id="summary" class="muted"></span><span class="conn" id="conn">connecting…</span></header>
<main>
  <section class="card"><h2>Actors</h2>
    <table id="actors"><thead><tr>
      <th>name</th><th>kind</th><th>threads</th><th>state</th><th>mailbox</th><th>calls/s</th><th>p50</th><th>p99</th>
      <th>errors</th><th>restarts</th><th>heap</th><th>calls/s, mailbox (5 min)</th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section class="card"><h2>Groups</h2><div id="groups"><p class="muted">no groups</p></div></section>
  <section class="card"><h2>Events <input id="filter" placeholder="filter (type, actor, text)" size="32"></h2><ul id="events"></ul></section>
</main>
<script src="observer.js"></script>
</body>
</html>
`;

export const OBSERVER_SCRIPT = `'use strict';
(function () {
  const token = new URLSearchParams(location.search).get('token');
  const withToken = (path) => (token ? path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : path);
  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return e;
  };
  const ms = (v) => (v === null ? '–' : v === Infinity || v === 'Infinity' ? '> 30 s' : '≤ ' + (v < 1 ? v * 1000 + ' µs' : v + ' ms'));
  const mb = (b) => (b === null ? '–' : (b / 1048576).toFixed(1) + ' MB');
  const NS = 'http://www.w3.org/2000/svg';
  function spark(rate, depth) {
    const w = 150, h = 24, svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('class', 'spark'); svg.setAttribute('width', w); svg.setAttribute('height', h);
    const line = (values, color) => {
      if (values.length < 2) return;
      const max = Math.max(1, ...values), step = w / 299;
      const pts = values.map((v, i) => (w - (values.length - 1 - i) * step).toFixed(1) + ',' + (h - 1 - (v / max) * (h - 2)).toFixed(1));
      const p = document.createElementNS(NS, 'polyline');
      p.setAttribute('points', pts.join(' ')); p.setAttribute('fill', 'none'); p.setAttribute('stroke', color); p.setAttribute('stroke-width', '1.2');
      svg.append(p);
    };
    line(rate, '#2563eb'); line(depth, '#b45309');
    return svg;
  }
  function drawActors(actors) {
    const body = $('#actors tbody');
    body.replaceChildren(...actors.map((a) => el('tr', { 'data-actor': a.name, 'data-state': a.status, 'data-restarts': a.restarts },
      el('td', {}, a.name), el('td', {}, a.kind), el('td', { class: 'threads' }, a.threadIds.join(',') || '–'),
      el('td', { class: 'state ' + a.status }, a.status),
      el('td', { class: 'num' }, a.mailboxDepth + ' / ' + a.mailboxCapacity),
      el('td', { class: 'num' }, a.callsPerSecond.toFixed(1)),
      el('td', { class: 'num' }, ms(a.p50Ms)), el('td', { class: 'num' }, ms(a.p99Ms)),
      el('td', { class: 'num' }, a.errors), el('td', { class: 'num restarts' }, a.restarts),
      el('td', { class: 'num' }, mb(a.heapUsedBytes)),
      el('td', {}, spark(a.history.callsPerSecond, a.history.mailboxDepth)))));
  }
  let controls = false;
  function control(g, verb) {
    fetch(withToken('api/groups/' + encodeURIComponent(g.plugin) + '/' + encodeURIComponent(g.id) + '/' + verb), { method: 'POST' })
      .then((r) => r.json()).then((r) => { if (r.error) alert(r.error); });
  }
  function drawGroups(groups) {
    const box = $('#groups');
    if (groups.length === 0) return box.replaceChildren(el('p', { class: 'muted' }, 'no groups'));
    box.replaceChildren(...groups.map((g) => {
      const pct = g.rollout === null ? null : g.rollout.total > 0 ? Math.round((100 * g.rollout.updated) / g.rollout.total) : 0;
      const head = el('h3', {}, g.plugin + '/' + g.id + '  ',
        el('span', { class: g.converged ? 'yes' : 'no' }, g.converged ? 'converged' : 'converging'),
        '  ' + g.instances + (g.size === null ? '' : ' / ' + g.size) + ' instances',
        g.state ? el('span', { class: 'problem' }, '  ' + g.state + (g.error ? '' : '')) : '',
        g.status ? el('span', { class: 'muted' }, '  ' + g.status) : '');
      const bar = pct === null
        ? el('div', { class: 'rollout muted' }, 'no rollout', g.configHash ? '  config ' + g.configHash : '')
        : el('div', { class: 'rollout', 'data-progress': pct, 'data-state': g.rollout.state },
          'rollout ', el('span', { class: 'bar' }, el('span', { style: 'width:' + pct + '%' })), ' ' + pct + '%',
          el('span', { class: 'muted' }, ' ' + g.rollout.updated + ' of ' + g.rollout.total + ', ' + g.rollout.state + (g.rollout.paused ? ' (paused)' : '')),
          g.configHash ? el('span', { class: 'muted' }, '  config ' + g.configHash) : '');
      if (controls && g.rollout && g.rollout.state !== 'completed') for (const verb of ['pause', 'resume', 'rollback']) { const b = el('button', {}, verb); b.onclick = () => control(g, verb); bar.append(b); }
      const problems = el('ul', {}, ...g.problems.map((p) => el('li', { class: 'problem' }, p.source + ': ' + p.message + ' (×' + p.count + ')')));
      if (g.error) problems.append(el('li', { class: 'problem' }, g.error));
      const inst = el('div', { class: 'instances' }, ...g.instanceList.map((i) =>
        el('span', { class: 'instance ' + (i.health || ''), 'data-id': i.id, title: 'config ' + (i.configHash || '?') + ', ' + (i.health || 'health not asked yet') },
          i.id + ' ' + (i.configHash ? i.configHash.slice(0, 7) : ''))));
      if (g.instances > g.instanceList.length) inst.append(el('span', { class: 'muted' }, '… ' + (g.instances - g.instanceList.length) + ' more'));
      return el('div', { class: 'group', 'data-group': g.id, 'data-plugin': g.plugin, 'data-converged': g.converged, 'data-instances': g.instances }, head, bar, problems, inst);
    }));
  }
  const events = [];
  function eventRow(e) {
    return el('li', { 'data-type': e.type }, el('time', {}, new Date(e.at).toLocaleTimeString()), e.type + ' ' + e.actor + ' ' + e.summary);
  }
  function drawEvents() {
    const f = $('#filter').value.trim().toLowerCase();
    const shown = events.filter((e) => !f || (e.type + ' ' + e.actor + ' ' + e.summary).toLowerCase().includes(f));
    $('#events').replaceChildren(...shown.slice(-300).reverse().map(eventRow));
  }
  $('#filter').addEventListener('input', drawEvents);
  function onSnapshot(s) {
    controls = s.controls === true;
    drawActors(s.actors);
    drawGroups(s.groups);
    const count = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');
    $('#summary').textContent = count(s.actors.length, 'actor') + ', ' + count(s.groups.length, 'group') + (s.collecting ? '' : ' (call counting off)');
  }
  function connect() {
    const es = new EventSource(withToken('api/stream'));
    es.addEventListener('open', () => { $('#conn').textContent = 'live'; });
    es.addEventListener('snapshot', (m) => onSnapshot(JSON.parse(m.data)));
    es.addEventListener('log', (m) => { events.push(JSON.parse(m.data)); if (events.length > 1000) events.shift(); drawEvents(); });
    es.addEventListener('error', () => { $('#conn').textContent = 'reconnecting…'; events.length = 0; });
  }
  connect();
})();
`;
