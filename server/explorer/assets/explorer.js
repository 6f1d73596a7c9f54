// emigraph explorer: the glue between the public GraphQL API (POST /graphql),
// Cytoscape.js (the graph) and Chart.js (the figures). No build step: plain
// modern JavaScript, one file. Every view is a URL under /explore (History API),
// so back and forward work and any view can be shared as a link.
'use strict';
(() => {
  const BASE = '/explore';
  const PAGE = 5; // facts shown per predicate group at first
  const MORE = 20; // facts added by "show more"
  const GRAPH_FIRST = 120; // relations drawn in the graph at most
  const ALIASES_PER_REQUEST = 40; // the server allows 50 aliases a request
  const FIGURES_SHOWN = 200; // figures drawn and listed at most
  const FIGURES_INLINE = 2000; // migration facts above which the entity view loads figures on request only

  // ---------- GraphQL ----------

  // gql posts one query to the public endpoint and returns its data, or
  // throws an Error carrying the server's messages.
  async function gql(query, variables) {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    let body;
    try {
      body = await res.json();
    } catch (e) {
      throw new Error(`the server answered ${res.status} without JSON`);
    }
    if (body.errors && body.errors.length) {
      throw new Error(body.errors.map((e) => e.message).join('; '));
    }
    return body.data;
  }

  const FACT = `fragment Fact on Relation {
  id predicate date endDate timing precision hedges note
  quantity { amount unit approximation lowerBound upperBound }
  subject { id name type }
  object { id name type }
  sources { quote title section url }
}`;

  let predicatesPromise = null;
  // predicates returns the registry once per page load: id → predicate.
  function predicates() {
    if (!predicatesPromise) {
      predicatesPromise = gql(`{ predicates { id label inverseLabel outField inField subjectTypes objectTypes broader { id } } }`)
        .then((d) => new Map(d.predicates.map((p) => [p.id, p])))
        .catch((e) => { predicatesPromise = null; throw e; });
    }
    return predicatesPromise;
  }

  // ---------- DOM helpers ----------

  // h builds an element: h('a', {href: '/x', class: 'y'}, 'text', child, ...).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  // ---------- formatting ----------

  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  // fmtDate shows an ISO date at its own precision: "2022", "September 2022", "21 September 2022".
  function fmtDate(d) {
    if (!d) return '';
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(d);
    if (!m) return d;
    if (m[3]) return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
    if (m[2]) return `${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
    return m[1];
  }
  // fmtPeriod shows when a fact holds as its timing says: "September 2022" (a point),
  // "February – April 2022" (a period: a figure counted over it), "since February 2022" (open at its end).
  function fmtPeriod(r) {
    if (!r.date && !r.endDate) return '';
    if (r.timing === 'SINCE') return `since ${fmtDate(r.date)}`;
    if (r.endDate && r.endDate !== r.date) {
      const a = fmtDate(r.date) || '…', b = fmtDate(r.endDate);
      // "February – April 2022", not "February 2022 – April 2022"
      const sameYear = r.date && r.date.length === 7 && r.endDate.length === 7 && r.date.slice(0, 4) === r.endDate.slice(0, 4);
      return sameYear ? `${MONTHS[Number(r.date.slice(5, 7)) - 1]} – ${b}` : `${a} – ${b}`;
    }
    return fmtDate(r.date);
  }
  // HEDGES words each reserve of a source as the explorer shows it beside the fact.
  const HEDGES = { ALLEGED: 'alleged', ESTIMATED: 'estimated', EXPECTED: 'expected', DISPUTED: 'disputed', PARTIAL: 'some of them' };
  function hedgeBadges(r) {
    return (r.hedges || []).map((x) => h('span', { class: 'hedge', title: 'as the source reports it' }, HEDGES[x] || x.toLowerCase()));
  }
  const APPROX = { ABOUT: 'about', AT_LEAST: 'at least', MORE_THAN: 'more than', NEARLY: 'nearly', UP_TO: 'up to', EXACT: '' };
  const num = (n) => Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 });
  // fmtQuantity: "about 100,000 people".
  function fmtQuantity(q) {
    if (!q) return '';
    return [APPROX[q.approximation] || '', num(q.amount), q.unit || ''].filter(Boolean).join(' ');
  }
  function fmtBounds(q) {
    if (!q || (q.lowerBound == null && q.upperBound == null)) return '';
    if (q.lowerBound != null && q.upperBound != null) return `between ${num(q.lowerBound)} and ${num(q.upperBound)}`;
    if (q.lowerBound != null) return `at least ${num(q.lowerBound)}`;
    return `at most ${num(q.upperBound)}`;
  }
  // dateStart and dateEnd give the first and last day a reduced-precision date may mean.
  function dateStart(d) { return (d + '-01-01').slice(0, 10); }
  function dateEnd(d) { return d.length >= 10 ? d.slice(0, 10) : d.length === 7 ? d + '-31' : d + '-12-31'; }
  // overlaps tells whether a fact's period overlaps [from, to], as the API's filters do.
  function overlaps(r, from, to) {
    if (!from && !to) return true;
    if (!r.date) return false;
    const s = dateStart(r.date), e = dateEnd(r.endDate || r.date);
    if (from && e < dateStart(from)) return false;
    if (to && s > dateEnd(to)) return false;
    return true;
  }
  // within tells whether a fact's whole period lies within [from, to], as the API's within: true does.
  function within(r, from, to) {
    if (!r.date) return false;
    const s = dateStart(r.date), e = r.timing === 'SINCE' ? '9999-12-31' : dateEnd(r.endDate || r.date);
    return (!from || s >= dateStart(from)) && (!to || e <= dateEnd(to));
  }
  const DATE_RE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

  const TYPES = {
    PERSON: { label: 'Person', color: '#1f6fc5', shape: 'ellipse' },
    COUNTRY: { label: 'Country', color: '#b8420f', shape: 'round-rectangle' },
    GROUP: { label: 'Group', color: '#2e7d32', shape: 'hexagon' },
    ORGANIZATION: { label: 'Organization', color: '#6a3d9a', shape: 'diamond' },
    LAW: { label: 'Law', color: '#a1145a', shape: 'triangle' },
    EVENT: { label: 'Event', color: '#8a6d00', shape: 'star' },
    PLACE: { label: 'Place', color: '#00707a', shape: 'barrel' },
  };
  const typeInfo = (t) => TYPES[t] || { label: t || '?', color: '#555', shape: 'ellipse' };
  function typeBadge(t) {
    const ti = typeInfo(t);
    return h('span', { class: 'badge' }, h('span', { class: 'type-dot', style: `background:${ti.color}`, 'aria-hidden': 'true' }), ti.label);
  }

  // ---------- URLs ----------

  const encId = (id) => id.split('/').map(encodeURIComponent).join('/');
  const decId = (s) => s.split('/').filter(Boolean).map(decodeURIComponent).join('/');
  function url(view, id, params) {
    let u = BASE + (view ? '/' + view : '') + (id ? '/' + encId(id) : '');
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
      if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) continue;
      q.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const s = q.toString();
    return s ? u + '?' + s : u;
  }
  const entityURL = (id) => url('entity', id);
  function entityLink(e) {
    if (!e) return h('span', { class: 'muted' }, '(none)');
    return h('a', { href: entityURL(e.id), 'data-nav': true }, e.name);
  }

  // ---------- router ----------

  let renderSeq = 0;
  let cleanups = [];
  function go(u, opts) {
    if (opts && opts.replace) history.replaceState(null, '', u);
    else history.pushState(null, '', u);
    render(true);
  }
  window.addEventListener('popstate', () => render(true));
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[data-nav]');
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    go(a.getAttribute('href'));
  });

  function route() {
    let p = location.pathname;
    if (p.startsWith(BASE)) p = p.slice(BASE.length);
    const parts = p.split('/').filter(Boolean);
    const view = parts.shift() || '';
    return { view, id: decId(parts.join('/')), params: new URLSearchParams(location.search) };
  }

  async function render(focus) {
    const seq = ++renderSeq;
    for (const c of cleanups) { try { c(); } catch (e) { /* already gone */ } }
    cleanups = [];
    const r = route();
    const main = document.getElementById('view');
    main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    const views = { '': viewHome, entity: viewEntity, graph: viewGraph, timeline: viewTimeline, path: viewPath, figures: viewFigures };
    const fn = views[r.view] || viewNotFound;
    const alive = () => seq === renderSeq;
    try {
      await fn(main, r, alive);
    } catch (e) {
      if (!alive()) return;
      main.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e.message));
    }
    if (!alive()) return;
    main.dataset.ready = String(seq);
    if (focus) {
      const h1 = main.querySelector('h1');
      if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    }
  }

  // setView replaces the view's content, unless a newer navigation started.
  function setView(main, alive, ...children) {
    if (!alive()) return false;
    main.replaceChildren(...children.flat());
    return true;
  }

  // ---------- search box (combobox) ----------

  let comboSeq = 0;
  // searchBox is a combobox that suggests entities as the user types
  // (searchHits: forgiving of typos, diacritics and Cyrillic). onPick gets the
  // chosen entity {id, name, type}.
  function searchBox({ label, placeholder, onPick, value, name }) {
    const n = ++comboSeq;
    const listId = `combo-list-${n}`;
    const input = h('input', {
      type: 'search', id: `combo-${n}`, name: name || 'q', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
      'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId, placeholder: placeholder || 'Search people, countries, laws…',
    });
    if (value) input.value = value;
    const list = h('ul', { id: listId, role: 'listbox', hidden: true, 'aria-label': 'Suggestions' });
    const status = h('span', { class: 'visually-hidden', role: 'status', style: 'position:absolute;left:-9999px' });
    let hits = [];
    let active = -1;
    let timer = null;
    let seq = 0;
    let pending = null;

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }
    function show() {
      list.replaceChildren();
      if (!input.value.trim()) { close(); return; }
      if (!hits.length) {
        list.append(h('li', { class: 'none', role: 'option', 'aria-disabled': 'true' }, 'No match'));
      }
      hits.forEach((hit, i) => {
        const e = hit.entity;
        const matched = hit.matchedText && hit.matchedText !== e.name ? h('span', { class: 'matched' }, `matched “${hit.matchedText}”`) : null;
        list.append(h('li', {
          id: `${listId}-${i}`, role: 'option', 'aria-selected': i === active ? 'true' : 'false', 'data-id': e.id,
          onmousedown: (ev) => { ev.preventDefault(); pick(i); },
        }, h('span', { class: 'name' }, e.name), typeBadge(e.type), matched));
      });
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      status.textContent = `${hits.length} suggestion${hits.length === 1 ? '' : 's'}`;
      if (active >= 0) input.setAttribute('aria-activedescendant', `${listId}-${active}`);
      else input.removeAttribute('aria-activedescendant');
    }
    function query() {
      const text = input.value.trim();
      const my = ++seq;
      if (!text) { hits = []; close(); return Promise.resolve(); }
      pending = gql(`query Suggest($text: String!) { searchHits(text: $text, first: 8) { entity { id name type } kind matchedText } }`, { text })
        .then((d) => { if (my === seq) { hits = d.searchHits; active = hits.length ? 0 : -1; show(); } })
        .catch((e) => { if (my === seq) { hits = []; list.replaceChildren(h('li', { class: 'none' }, e.message)); list.hidden = false; } })
        .finally(() => { if (my === seq) pending = null; });
      return pending;
    }
    function pick(i) {
      const hit = hits[i];
      if (!hit) return;
      input.value = hit.entity.name;
      close();
      onPick(hit.entity);
    }
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { timer = null; query(); }, 120);
    });
    input.addEventListener('keydown', async (ev) => {
      switch (ev.key) {
        case 'ArrowDown':
          ev.preventDefault();
          if (list.hidden) { await query(); return; }
          if (hits.length) { active = (active + 1) % hits.length; show(); scrollActive(); }
          break;
        case 'ArrowUp':
          ev.preventDefault();
          if (hits.length) { active = (active - 1 + hits.length) % hits.length; show(); scrollActive(); }
          break;
        case 'Enter':
          ev.preventDefault();
          if (timer || pending) { clearTimeout(timer); timer = null; await (pending || query()); }
          if (hits.length) pick(active >= 0 ? active : 0);
          break;
        case 'Escape':
          if (!list.hidden) { ev.preventDefault(); close(); }
          break;
      }
    });
    input.addEventListener('blur', () => setTimeout(close, 100));
    function scrollActive() {
      const li = list.children[active];
      if (li && li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
    }
    const lab = h('label', { for: input.id, class: label ? '' : 'visually-hidden', style: label ? null : 'position:absolute;left:-9999px' }, label || 'Search');
    return h('div', { class: 'combo' }, lab, input, list, status);
  }

  // ---------- facts ----------

  // factItem renders one relation as seen from entity `from` (or neutrally).
  function factItem(r, preds, fromId, opts) {
    const p = preds.get(r.predicate);
    let head;
    if (fromId && r.subject.id === fromId && !(opts && opts.full)) {
      head = [opts && opts.noLabel ? null : h('span', { class: 'pred' }, p ? p.label : r.predicate), r.object ? entityLink(r.object) : h('span', { class: 'muted' }, '(no object)')];
    } else if (fromId && r.object && r.object.id === fromId && !(opts && opts.full)) {
      head = [opts && opts.noLabel ? null : h('span', { class: 'pred' }, p ? p.inverseLabel : r.predicate), entityLink(r.subject)];
    } else {
      head = [entityLink(r.subject), h('span', { class: 'pred' }, p ? p.label : r.predicate), r.object ? entityLink(r.object) : null];
    }
    const when = opts && opts.noDate ? '' : fmtPeriod(r);
    const q = fmtQuantity(r.quantity);
    const b = fmtBounds(r.quantity);
    return h('li', { class: 'fact', 'data-relation': r.id },
      h('div', { class: 'head' }, head, when ? h('span', { class: 'date' }, when) : null,
        q ? h('span', { class: 'qty' }, q + (b ? ` (${b})` : '')) : null, hedgeBadges(r)),
      r.note ? h('p', { class: 'note' }, r.note) : null,
      (r.sources || []).map(sourceBlock));
  }
  function sourceBlock(s) {
    const where = [s.title, s.section].filter(Boolean).join(' › ');
    return [
      h('blockquote', {}, `“${s.quote}”`),
      h('p', { class: 'cite' }, '— ', where || 'source',
        s.url && /^https?:\/\//.test(s.url) ? [' · ', h('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank' }, 'open source')] : null),
    ];
  }

  function entityTabs(e, current) {
    const tabs = [['entity', 'Facts'], ['graph', 'Graph'], ['timeline', 'Timeline'], ['figures', 'Figures']];
    return h('nav', { class: 'tabs', 'aria-label': 'Views of ' + e.name },
      tabs.map(([v, label]) => h('a', { href: url(v, e.id), 'data-nav': true, 'aria-current': v === current ? 'page' : null }, label)),
      h('a', { href: url('path', null, { from: e.id }), 'data-nav': true }, 'Path from here'));
  }
  async function fetchEntity(id) {
    const d = await gql(`query Entity($id: ID!) { entity(id: $id) { id name type aliases description } }`, { id });
    return d.entity;
  }
  function entityHeader(e, current) {
    return [
      h('h1', {}, e.name, ' ', typeBadge(e.type)),
      e.aliases && e.aliases.length ? h('p', { class: 'aliases' }, 'Also known as: ', e.aliases.join(' · ')) : null,
      e.description ? h('p', { class: 'description' }, e.description) : null,
      entityTabs(e, current),
    ];
  }
  function notFound(main, alive, id) {
    setView(main, alive, h('h1', {}, 'Not found'), h('p', {}, `No entity has the id “${id}”. Try the search above.`));
  }

  // ---------- views ----------

  async function viewHome(main, r, alive) {
    document.title = 'emigraph explorer';
    const box = searchBox({ label: 'Find a person, country, law, event or group', placeholder: 'e.g. Пугачёва, galkin, Georgia', onPick: (e) => go(entityURL(e.id)) });
    const examples = [
      ['Georgia', entityURL('country/georgia')],
      ['Maxim Galkin', entityURL('person/maxim-galkin')],
      ['Russia’s neighbourhood', url('graph', 'country/russia')],
      ['Galkin → Pugacheva, not through Russia', url('path', null, { from: 'person/maxim-galkin', to: 'person/alla-pugacheva', avoid: ['country/russia'] })],
      ['Everything in date order', url('timeline')],
    ];
    setView(main, alive,
      h('h1', {}, 'The Russian emigration since 2022'),
      h('p', { class: 'muted' }, 'A knowledge graph of who fled where and when, who was deported, arrested or refused entry, and how many people went where — every fact with the verbatim quote of its source.'),
      h('div', { class: 'home-search' }, box),
      h('h2', {}, 'Start from'),
      h('ul', {}, examples.map(([t, u]) => h('li', {}, h('a', { href: u, 'data-nav': true }, t)))));
    const input = box.querySelector('input');
    input.focus();
    try {
      const d = await gql(`{ stats { totalEntities totalRelations } }`);
      if (alive()) main.append(h('p', { class: 'muted' }, `The graph holds ${num(d.stats.totalEntities)} entities and ${num(d.stats.totalRelations)} facts.`));
    } catch (e) { /* the stats are a nicety */ }
  }

  function viewNotFound(main, r, alive) {
    document.title = 'Not found — emigraph explorer';
    setView(main, alive, h('h1', {}, 'Not found'), h('p', {}, 'There is no such view. ', h('a', { href: BASE, 'data-nav': true }, 'Start again')));
  }

  // The entity view: facts grouped by predicate and direction. It asks for
  // the first page of every group the entity's type allows (counts come with
  // it, from counters), never for the whole entity: a hub with a million
  // facts costs a few pages.
  async function viewEntity(main, r, alive) {
    const [e, preds] = await Promise.all([fetchEntity(r.id), predicates()]);
    if (!e) return notFound(main, alive, r.id);
    document.title = `${e.name} — emigraph explorer`;
    const groupsBox = h('div', { class: 'groups-box' }, h('p', { class: 'loading' }, 'Loading facts…'));
    const figuresBox = h('section', { class: 'figures-box', 'aria-label': 'Figures' });
    setView(main, alive, entityHeader(e, 'entity'), figuresBox, groupsBox, contributeBox(e, preds));

    const wanted = [];
    for (const p of preds.values()) {
      if (!p.subjectTypes.length || p.subjectTypes.includes(e.type)) wanted.push({ p, dir: 'OUT' });
      if (!p.objectTypes.length || p.objectTypes.includes(e.type)) wanted.push({ p, dir: 'IN' });
    }
    const chunks = [];
    let allCount = 0;
    for (let i = 0; i < wanted.length; i += ALIASES_PER_REQUEST) chunks.push(wanted.slice(i, i + ALIASES_PER_REQUEST));
    const pages = await Promise.all(chunks.map(async (chunk, ci) => {
      const fields = chunk.map((w, i) => `g${i}: relations(direction: ${w.dir}, predicate: ${JSON.stringify(w.p.id)}, exact: true, first: ${PAGE}) { totalCount pageInfo { hasNextPage endCursor } nodes { ...Fact } }`);
      if (ci === 0) fields.push('all: relations(first: 0) { totalCount }');
      const d = await gql(`query Groups${ci}($id: ID!) { entity(id: $id) { ${fields.join('\n')} } }\n${FACT}`, { id: e.id });
      if (ci === 0) allCount = d.entity.all.totalCount;
      return chunk.map((w, i) => ({ ...w, conn: d.entity[`g${i}`] }));
    }));
    if (!alive()) return;
    const groups = pages.flat().filter((g) => g.conn.totalCount > 0);
    const total = allCount;
    const section = (dir, title) => {
      const gs = groups.filter((g) => g.dir === dir).sort((a, b) => b.conn.totalCount - a.conn.totalCount);
      if (!gs.length) return null;
      return h('section', { class: 'direction' }, h('h2', {}, title), gs.map((g) => groupBlock(e, g, preds)));
    };
    groupsBox.replaceChildren(
      h('p', { class: 'muted' }, `${num(total)} fact${total === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'}.`),
      h('div', { class: 'groups two' }, section('OUT', `What ${e.name} did or is`), section('IN', `What others did to or about ${e.name}`)));
    if (e.type !== 'COUNTRY' && e.type !== 'PLACE') return;
    // The figures of migration into the entity: the figures query reads every
    // quantified fact of the hierarchy, so a hub's are loaded on request only
    // (the counters above say how many facts that would read).
    const migration = groups.filter((g) => g.dir === 'IN' && (g.p.id === 'migration-to' || (g.p.broader && g.p.broader.id === 'migration-to')))
      .reduce((n, g) => n + g.conn.totalCount, 0);
    if (!migration) return;
    const showFigures = async () => {
      figuresBox.replaceChildren(h('h2', {}, `How many people went to ${e.name}`), h('p', { class: 'loading' }, 'Loading figures…'));
      let f;
      try {
        f = await loadFigures({ object: e.id, predicate: 'migration-to', unit: 'people' });
      } catch (err) {
        if (alive()) figuresBox.replaceChildren(h('p', { class: 'error' }, 'Figures: ' + err.message));
        return;
      }
      if (!alive()) return;
      figuresBox.replaceChildren(h('h2', {}, `How many people went to ${e.name}`),
        ...(f.figures.length ? [figuresChart(f.figures, preds), figuresTable(f.figures, preds, f.total)] : [h('p', {}, 'The graph holds no figure of people moving here.')]),
        h('p', {}, h('a', { href: url('figures', e.id), 'data-nav': true }, 'All figures about ' + e.name)));
    };
    if (migration <= FIGURES_INLINE) {
      await showFigures();
      return;
    }
    figuresBox.replaceChildren(h('h2', {}, `How many people went to ${e.name}`),
      h('p', {}, `${num(migration)} facts of migration to ${e.name}: too many to read for every visit. `,
        h('button', { type: 'button', onclick: showFigures }, 'Load the figures'), ' ', h('span', { class: 'muted' }, '(the server reads every one of them)')));
  }

  function groupBlock(e, g, preds) {
    const label = g.dir === 'OUT' ? g.p.label : g.p.inverseLabel;
    const list = h('ul', { class: 'facts' }, g.conn.nodes.map((r) => factItem(r, preds, e.id, { noLabel: true })));
    let cursor = g.conn.pageInfo.endCursor;
    let shown = g.conn.nodes.length;
    const more = h('div', { class: 'more' });
    const status = () => {
      more.replaceChildren();
      if (shown < g.conn.totalCount && cursor) {
        more.append(h('button', { type: 'button', onclick: loadMore }, `Show ${Math.min(MORE, g.conn.totalCount - shown)} more`),
          ' ', h('span', { class: 'muted' }, `${num(shown)} of ${num(g.conn.totalCount)} shown`));
      }
    };
    async function loadMore(ev) {
      ev.target.disabled = true;
      try {
        const d = await gql(`query More($id: ID!, $after: String) { entity(id: $id) { relations(direction: ${g.dir}, predicate: ${JSON.stringify(g.p.id)}, exact: true, first: ${MORE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...Fact } } } }\n${FACT}`, { id: e.id, after: cursor });
        const c = d.entity.relations;
        c.nodes.forEach((r) => list.append(factItem(r, preds, e.id, { noLabel: true })));
        shown += c.nodes.length;
        cursor = c.pageInfo.hasNextPage ? c.pageInfo.endCursor : null;
        status();
        const first = list.children[shown - c.nodes.length];
        if (first) { first.setAttribute('tabindex', '-1'); first.focus(); }
      } catch (err) {
        more.replaceChildren(h('p', { class: 'error' }, err.message));
      }
    }
    status();
    return h('section', { class: 'group', 'data-predicate': g.p.id, 'data-direction': g.dir },
      h('h3', {}, label, h('span', { class: 'count', title: `${g.conn.totalCount} facts` }, num(g.conn.totalCount))), list, more);
  }

  function contributeBox(e, preds) {
    const p = [...preds.values()].find((x) => x.subjectTypes.includes(e.type)) || preds.values().next().value;
    const mutation = `mutation {
  addRelation(relation: {
    subject: ${JSON.stringify(e.id)}
    predicate: ${JSON.stringify(p ? p.id : 'fled-to')}
    object: "country/georgia"
    date: "2022-09"
    sources: [{ quote: "The sentence of the source, verbatim.", title: "Source title", url: "https://…" }]
  }) { ok errors { where field message } summary { relationsAdded } }
}`;
    const yaml = `relations:
  - subject: ${e.id}
    predicate: ${p ? p.id : 'fled-to'}
    object: country/georgia
    date: 2022-09
    quote: The sentence of the source, verbatim.
    title: Source title
    url: https://…`;
    const origin = location.origin;
    const curl = `curl -s ${origin}/graphql -H 'Content-Type: application/json' -H "Authorization: Bearer $EMIGRAPH_TOKEN" \\
  --data @- <<'EOF'
${JSON.stringify({ query: mutation.replace(/\s+/g, ' ') })}
EOF`;
    return h('details', { class: 'contribute' },
      h('summary', {}, `Add a fact about ${e.name}`),
      h('p', {}, 'The explorer only reads. With the server’s write token, this mutation adds a fact (every fact needs the verbatim quote of its source; ', h('code', {}, 'dryRun: true'), ' checks it without writing):'),
      h('pre', {}, mutation),
      h('p', {}, 'The same from a shell:'),
      h('pre', {}, curl),
      h('p', {}, 'Or as a file in the native format (', h('code', {}, 'facts.yaml'), '), loaded with ', h('code', {}, `emigraph load facts.yaml --server ${origin} --token-file token`), ':'),
      h('pre', {}, yaml),
      h('p', {}, 'Predicates: ', h('a', { href: '/graphiql' }, 'GraphiQL'), ' lists them with ', h('code', {}, '{ predicates { id label inverseLabel subjectTypes objectTypes } }'), '.'));
  }

  // ---------- figures ----------

  async function loadFigures({ object, subject, predicate, unit }) {
    const d = await gql(`query Figures($object: ID, $subject: ID, $predicate: String, $unit: String) {
  figures(object: $object, subject: $subject, predicate: $predicate, unit: $unit, groupBy: NONE, first: 1) { count figures(first: ${FIGURES_SHOWN}) { ...Fact } }
}\n${FACT}`, { object: object || null, subject: subject || null, predicate: predicate || null, unit: unit || null });
    // A hub can hold thousands: the server lists the latest FIGURES_SHOWN
    // (latest first) and counts them all; draw those, and say so.
    const figs = d.figures.flatMap((g) => g.figures);
    figs.sort((a, b) => (a.date || '9999').localeCompare(b.date || '9999'));
    return { figures: figs, total: d.figures.reduce((n, g) => n + g.count, 0) };
  }

  // yearOf places a day (YYYY-MM-DD) on the chart's time axis, in years: 2022.5 is July 2022.
  function yearOf(day) {
    const [y, m, d] = day.split('-').map(Number);
    return y + (m - 1) / 12 + (d - 1) / 365;
  }
  // fmtTick names a point of the time axis: "2022" at a year's start, else "Apr 2022".
  function fmtTick(x) {
    const y = Math.floor(x + 1e-9), m = Math.round((x - y) * 12);
    return m === 0 || m === 12 ? String(m === 12 ? y + 1 : y) : `${MONTHS[m].slice(0, 3)} ${y}`;
  }
  // figureSpan is where a figure lies in time, as its timing says: a period from its
  // first to its last day; a figure open at its end from its start to the edge of the
  // chart (drawn dashed, with an arrow); a point at the middle of what its date covers.
  function figureSpan(f) {
    const first = yearOf(dateStart(f.date));
    if (f.timing === 'SINCE') return { from: first, open: true };
    if (f.endDate) return { from: first, to: yearOf(dateEnd(f.endDate)) + 1 / 365 };
    return { at: (first + yearOf(dateEnd(f.date)) + 1 / 365) / 2 };
  }

  let chartSeq = 0;
  // figuresChart draws each figure at its amount over the time it covers: a period as a
  // line from its start to its end ("February – April 2022"), a count since a date as a
  // dashed line on to the right edge, a level at a point as a dot. A period is never a
  // bar at its first month.
  function figuresChart(figs, preds) {
    const dated = figs.filter((f) => f.date && f.quantity);
    const canvas = h('canvas', { id: `chart-${++chartSeq}`, role: 'img', 'aria-label': `Chart of ${dated.length} figures over the time each covers (a period as a line from its start to its end, a figure since a date as a dashed line to the right); the table below has the same numbers.` });
    const box = h('div', { class: 'chart-box' }, canvas);
    if (!dated.length || typeof Chart === 'undefined') return box;
    const spans = dated.map(figureSpan);
    const xs = spans.flatMap((sp) => [sp.from, sp.to, sp.at].filter((x) => x !== undefined));
    const lo = Math.floor((Math.min(...xs) - 1 / 12) * 12) / 12;
    const hi = Math.ceil((Math.max(...xs) + 2 / 12) * 12) / 12;
    const colors = ['#24407a', '#b8420f', '#2e7d32', '#6a3d9a', '#a1145a', '#00707a', '#8a6d00'];
    const datasets = dated.map((f, i) => {
      const sp = spans[i], y = f.quantity.amount, color = colors[i % colors.length];
      const base = { label: `${f.subject.name}: ${fmtQuantity(f.quantity)} (${fmtPeriod(f)})`, borderColor: color, backgroundColor: color, showLine: true, borderWidth: 3 };
      if (sp.at !== undefined) return { ...base, data: [{ x: sp.at, y }], pointRadius: 5 };
      if (sp.open) return { ...base, data: [{ x: sp.from, y }, { x: hi, y }], borderDash: [6, 4], pointStyle: ['circle', 'triangle'], rotation: [0, 90], pointRadius: [4, 6] };
      return { ...base, data: [{ x: sp.from, y }, { x: sp.to, y }], pointStyle: 'line', pointRadius: 6, pointBorderWidth: 3 };
    });
    requestAnimationFrame(() => {
      if (!canvas.isConnected) return;
      const chart = new Chart(canvas, {
        type: 'scatter',
        data: { datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (ctx) => ctx.dataset.label } },
          },
          scales: {
            x: { type: 'linear', min: lo, max: hi, ticks: { color: '#1b1b1f', stepSize: 1 / 12, autoSkip: true, maxRotation: 0, callback: (v) => fmtTick(v) } },
            y: { beginAtZero: true, ticks: { color: '#1b1b1f', callback: (v) => num(v) } },
          },
        },
      });
      cleanups.push(() => chart.destroy());
    });
    return box;
  }

  function figuresTable(figs, preds, total) {
    const cap = total && total > figs.length ? `the latest ${num(figs.length)} of ${num(total)} figures` : `${figs.length} figure${figs.length === 1 ? '' : 's'}`;
    return h('div', { class: 'table-scroll' }, h('table', { class: 'figures' },
      h('caption', { class: 'muted', style: 'text-align:left' }, `${cap}, each stated once (overlapping estimates: never add them up)`),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Figure', 'Bounds', 'Source'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, figs.map((f) => {
        const p = preds.get(f.predicate);
        return h('tr', { 'data-relation': f.id },
          h('td', { class: 'num' }, fmtPeriod(f) || '—'),
          h('td', {}, entityLink(f.subject)),
          h('td', {}, p ? p.label : f.predicate, ' ', f.object ? entityLink(f.object) : ''),
          h('td', { class: 'num' }, fmtQuantity(f.quantity), hedgeBadges(f)),
          h('td', { class: 'num' }, fmtBounds(f.quantity) || '—'),
          h('td', {}, (f.sources || []).map(sourceBlock)));
      }))));
  }

  async function viewFigures(main, r, alive) {
    const [e, preds] = await Promise.all([fetchEntity(r.id), predicates()]);
    if (!e) return notFound(main, alive, r.id);
    document.title = `Figures: ${e.name} — emigraph explorer`;
    const side = r.params.get('as') === 'subject' ? 'subject' : 'object';
    const predicate = r.params.has('predicate') ? r.params.get('predicate') : (side === 'object' && (e.type === 'COUNTRY' || e.type === 'PLACE') ? 'migration-to' : '');
    const unit = r.params.has('unit') ? r.params.get('unit') : 'people';
    const predSel = h('select', { id: 'fig-pred' }, h('option', { value: '' }, 'any predicate'),
      [...preds.values()].map((p) => h('option', { value: p.id, selected: p.id === predicate }, p.label)));
    const sideSel = h('select', { id: 'fig-side' },
      h('option', { value: 'object', selected: side === 'object' }, `facts about ${e.name} (as object)`),
      h('option', { value: 'subject', selected: side === 'subject' }, `facts by ${e.name} (as subject)`));
    const unitIn = h('input', { id: 'fig-unit', value: unit, size: 10 });
    const apply = () => go(url('figures', e.id, { predicate: predSel.value || '', as: sideSel.value === 'subject' ? 'subject' : '', unit: unitIn.value.trim() }));
    predSel.addEventListener('change', apply);
    sideSel.addEventListener('change', apply);
    unitIn.addEventListener('change', apply);
    const body = h('div', {}, h('p', { class: 'loading' }, 'Loading figures…'));
    setView(main, alive, entityHeader(e, 'figures'),
      h('div', { class: 'filters' }, h('label', { for: 'fig-side' }, 'Which', sideSel), h('label', { for: 'fig-pred' }, 'Predicate (and narrower)', predSel), h('label', { for: 'fig-unit' }, 'Unit', unitIn)),
      body);
    const f = await loadFigures({ [side]: e.id, predicate, unit });
    if (!alive()) return;
    if (!f.figures.length) body.replaceChildren(h('p', {}, 'The graph holds no such figure.'));
    else body.replaceChildren(figuresChart(f.figures, preds), figuresTable(f.figures, preds, f.total));
  }

  // ---------- graph ----------

  function edgeLabel(p, r) { return p ? p.label : r.predicate; }

  async function viewGraph(main, r, alive) {
    const [e, preds] = await Promise.all([fetchEntity(r.id), predicates()]);
    if (!e) return notFound(main, alive, r.id);
    document.title = `Graph: ${e.name} — emigraph explorer`;
    const depth = r.params.get('depth') === '2' ? 2 : 1;
    const predicate = r.params.get('predicate') || '';
    const from = DATE_RE.test(r.params.get('from') || '') ? r.params.get('from') : '';
    const to = DATE_RE.test(r.params.get('to') || '') ? r.params.get('to') : '';
    const state = () => ({ depth: depth === 2 ? 2 : '', predicate, from, to });
    const set = (patch) => go(url('graph', e.id, { ...state(), ...patch }));

    const predSel = h('select', { id: 'g-pred' }, h('option', { value: '' }, 'all predicates'),
      [...preds.values()].map((p) => h('option', { value: p.id, selected: p.id === predicate }, p.label)));
    predSel.addEventListener('change', () => set({ predicate: predSel.value }));
    const fromIn = h('input', { id: 'g-from', value: from, placeholder: 'YYYY[-MM[-DD]]', size: 11, pattern: '\\d{4}(-\\d{2}(-\\d{2})?)?' });
    const toIn = h('input', { id: 'g-to', value: to, placeholder: 'YYYY[-MM[-DD]]', size: 11, pattern: '\\d{4}(-\\d{2}(-\\d{2})?)?' });
    const dateChange = () => {
      const f = fromIn.value.trim(), t = toIn.value.trim();
      if ((f && !DATE_RE.test(f)) || (t && !DATE_RE.test(t))) return;
      set({ from: f, to: t });
    };
    fromIn.addEventListener('change', dateChange);
    toIn.addEventListener('change', dateChange);
    const depthBtns = [1, 2].map((d) => h('button', { type: 'button', 'aria-pressed': d === depth ? 'true' : 'false', onclick: () => set({ depth: d === 2 ? 2 : '' }) }, d === 1 ? 'Depth 1' : 'Expand to depth 2'));

    const cyBox = h('div', { id: 'cy', role: 'img', 'aria-label': `Graph of the neighbourhood of ${e.name}; the list after it names the same entities.` });
    const info = h('div', { class: 'panel', id: 'graph-info', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Click a node to open it, an edge to read its fact.'));
    const notice = h('div', {});
    const legend = h('ul', { class: 'legend', 'aria-label': 'Legend' }, Object.values(TYPES).map((t) => h('li', {}, legendIcon(t), t.label)));
    const listBox = h('details', { class: 'node-list' });
    setView(main, alive, entityHeader(e, 'graph'),
      h('div', { class: 'filters' }, h('div', { role: 'group', 'aria-label': 'Depth' }, depthBtns),
        h('label', { for: 'g-pred' }, 'Predicate', predSel), h('label', { for: 'g-from' }, 'From', fromIn), h('label', { for: 'g-to' }, 'To', toIn)),
      notice, legend, h('div', { class: 'graph-wrap' }, cyBox, info), listBox);

    const preds1 = predicate ? [predicate] : null;
    const d = await gql(`query Neighbourhood($id: ID!, $depth: Int, $first: Int, $predicates: [String!]) {
  neighborhood(id: $id, depth: $depth, first: $first, predicates: $predicates) { truncated entities { id name type } relations { ...Fact } }
  entity(id: $id) { relations(first: 0, predicates: $predicates) { totalCount } }
}\n${FACT}`, { id: e.id, depth, first: GRAPH_FIRST, predicates: preds1 });
    if (!alive()) return;
    const nb = d.neighborhood;
    const rels = nb.relations.filter((x) => x.object && overlaps(x, from, to));
    const keep = new Set([e.id]);
    rels.forEach((x) => { keep.add(x.subject.id); keep.add(x.object.id); });
    const ents = nb.entities.filter((x) => keep.has(x.id));
    const total = d.entity.relations.totalCount;
    const direct = nb.relations.filter((x) => x.subject.id === e.id || (x.object && x.object.id === e.id)).length;
    const msgs = [];
    if (nb.truncated || direct < total) {
      msgs.push(`Showing a sample: ${num(nb.relations.length)} relations drawn; ${e.name} has ${num(total)}${predicate ? ' of this predicate' : ''}, so ${num(Math.max(0, total - direct))} of its own are hidden${depth === 2 ? ' (and more of its neighbours’)' : ''}. The Facts tab pages through all of them.`);
    }
    if (from || to) msgs.push(`Date filter: ${num(nb.relations.length - rels.length)} relations outside ${fmtDate(from) || '…'} – ${fmtDate(to) || '…'} (or undated) are hidden.`);
    notice.replaceChildren(...msgs.map((m) => h('p', { class: 'notice', role: 'status' }, m)));
    listBox.replaceChildren(h('summary', {}, `The ${ents.length} entities in this graph, as a list`),
      h('ul', {}, ents.map((x) => h('li', {}, entityLink(x), ' ', typeBadge(x.type)))));

    if (typeof cytoscape === 'undefined') { cyBox.replaceChildren(h('p', { class: 'error' }, 'Cytoscape did not load.')); return; }
    if (typeof cytoscapeFcose !== 'undefined' && !cytoscape.__fcose) { cytoscape.use(cytoscapeFcose); cytoscape.__fcose = true; }
    const byId = new Map(rels.map((x) => [x.id, x]));
    const cy = cytoscape({
      container: cyBox,
      elements: [
        ...ents.map((x) => ({ data: { id: x.id, label: x.name, type: x.type, root: x.id === e.id ? 1 : 0 } })),
        ...rels.map((x) => ({ data: { id: x.id, source: x.subject.id, target: x.object.id, label: edgeLabel(preds.get(x.predicate), x) } })),
      ],
      style: [
        { selector: 'node', style: {
          'background-color': (n) => typeInfo(n.data('type')).color, shape: (n) => typeInfo(n.data('type')).shape,
          label: 'data(label)', 'font-size': 11, color: '#1b1b1f', 'text-valign': 'bottom', 'text-margin-y': 3,
          'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 1,
          'text-wrap': 'ellipsis', 'text-max-width': 140, width: 22, height: 22, 'min-zoomed-font-size': 7,
        } },
        { selector: 'node[root = 1]', style: { width: 38, height: 38, 'border-width': 4, 'border-color': '#1b1b1f', 'font-size': 14, 'font-weight': 'bold', 'z-index': 10 } },
        { selector: 'edge', style: {
          width: 1.5, 'line-color': '#9aa3b5', 'target-arrow-color': '#9aa3b5', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier',
          label: 'data(label)', 'font-size': 9, color: '#3a3a44', 'text-rotation': 'autorotate', 'text-background-color': '#ffffff',
          'text-background-opacity': 0.8, 'min-zoomed-font-size': 8,
        } },
        { selector: 'edge:selected', style: { width: 3, 'line-color': '#c2410c', 'target-arrow-color': '#c2410c' } },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#c2410c' } },
      ],
      layout: { name: 'preset' },
      wheelSensitivity: 0.3,
      minZoom: 0.2,
      maxZoom: 3,
    });
    cleanups.push(() => cy.destroy());
    window.explorerGraph = cy; // for the browser tests and the curious
    cy.on('tap', 'node', (ev) => go(entityURL(ev.target.id())));
    cy.on('tap', 'edge', (ev) => {
      const x = byId.get(ev.target.id());
      if (!x) return;
      info.replaceChildren(h('h2', { style: 'margin-top:0' }, 'Fact'), h('ul', { class: 'facts' }, factItem(x, preds, null, { full: true })));
    });
    const layout = cy.layout(ents.length > 1 && typeof cytoscapeFcose !== 'undefined'
      ? { name: 'fcose', animate: false, quality: ents.length > 80 ? 'draft' : 'default', randomize: true, nodeRepulsion: 6000, idealEdgeLength: 90, numIter: 1500, fit: true, padding: 20 }
      : { name: 'concentric', animate: false, fit: true, padding: 30 });
    layout.one('layoutstop', () => { cyBox.dataset.ready = '1'; });
    layout.run();
  }

  function legendIcon(t) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', '14'); svg.setAttribute('height', '14'); svg.setAttribute('aria-hidden', 'true');
    const shapes = {
      ellipse: ['circle', { cx: 7, cy: 7, r: 6 }],
      'round-rectangle': ['rect', { x: 1, y: 2, width: 12, height: 10, rx: 2 }],
      hexagon: ['polygon', { points: '4,1 10,1 13,7 10,13 4,13 1,7' }],
      diamond: ['polygon', { points: '7,0 14,7 7,14 0,7' }],
      triangle: ['polygon', { points: '7,1 13,13 1,13' }],
      star: ['polygon', { points: '7,0 8.8,5 14,5 9.8,8.2 11.3,13.5 7,10.3 2.7,13.5 4.2,8.2 0,5 5.2,5' }],
      barrel: ['rect', { x: 1, y: 1, width: 12, height: 12, rx: 4 }],
    };
    const [tag, attrs] = shapes[t.shape] || shapes.ellipse;
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    el.setAttribute('fill', t.color);
    svg.append(el);
    return svg;
  }

  // ---------- timeline ----------

  async function viewTimeline(main, r, alive) {
    const preds = await predicates();
    const e = r.id ? await fetchEntity(r.id) : null;
    if (r.id && !e) return notFound(main, alive, r.id);
    document.title = `Timeline${e ? ': ' + e.name : ''} — emigraph explorer`;
    const predicate = r.params.get('predicate') || '';
    const from = DATE_RE.test(r.params.get('from') || '') ? r.params.get('from') : '';
    const to = DATE_RE.test(r.params.get('to') || '') ? r.params.get('to') : '';
    const set = (patch) => go(url('timeline', e ? e.id : null, { predicate, from, to, ...patch }));
    const predSel = h('select', { id: 't-pred' }, h('option', { value: '' }, 'all predicates'),
      [...preds.values()].map((p) => h('option', { value: p.id, selected: p.id === predicate }, p.label)));
    predSel.addEventListener('change', () => set({ predicate: predSel.value }));
    const fromIn = h('input', { id: 't-from', value: from, placeholder: 'YYYY[-MM[-DD]]', size: 11 });
    const toIn = h('input', { id: 't-to', value: to, placeholder: 'YYYY[-MM[-DD]]', size: 11 });
    const bad = h('span', { class: 'error', hidden: true, role: 'alert' }, 'Dates are YYYY, YYYY-MM or YYYY-MM-DD.');
    const dateChange = () => {
      const f = fromIn.value.trim(), t = toIn.value.trim();
      if ((f && !DATE_RE.test(f)) || (t && !DATE_RE.test(t))) { bad.hidden = false; return; }
      set({ from: f, to: t });
    };
    fromIn.addEventListener('change', dateChange);
    toIn.addEventListener('change', dateChange);
    const list = h('ol', { class: 'timeline' });
    const more = h('div', { class: 'more' });
    const count = h('p', { class: 'muted' });
    setView(main, alive,
      e ? entityHeader(e, 'timeline') : [h('h1', {}, 'Timeline of the whole graph'), h('p', { class: 'muted' }, 'Every dated fact, oldest first. Open an entity for its own timeline.')],
      h('div', { class: 'filters' }, h('label', { for: 't-pred' }, 'Predicate', predSel), h('label', { for: 't-from' }, 'From', fromIn), h('label', { for: 't-to' }, 'To', toIn), bad),
      count, list, more);
    let cursor = null;
    let shown = 0;
    const ranged = Boolean(from || to);
    let aroundShown = list.querySelector('li.around') !== null;
    const vars = { entity: e ? e.id : null, from: from || null, to: to || null, predicates: predicate ? [predicate] : null };
    // Counted once, apart from the pages: a count the server refuses (a
    // predicate and a date range on a hub read every relation in the
    // range) leaves the facts shown, and says so. A range counts the facts
    // within it apart from those that only overlap it.
    const counted = gql(`query TimelineCount($entity: ID, $from: String, $to: String, $predicates: [String!], $ranged: Boolean!) {
  timeline(entity: $entity, from: $from, to: $to, predicates: $predicates, first: 0) { totalCount }
  within: timeline(entity: $entity, from: $from, to: $to, predicates: $predicates, within: true, first: 0) @include(if: $ranged) { totalCount }
}`, { ...vars, ranged }).then((d) => ({ total: d.timeline.totalCount, within: ranged ? d.within.totalCount : null }), () => null);
    const load = async () => {
      const d = await gql(`query Timeline($entity: ID, $from: String, $to: String, $predicates: [String!], $after: String) {
  timeline(entity: $entity, from: $from, to: $to, predicates: $predicates, first: 50, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...Fact } }
}\n${FACT}`, { ...vars, after: cursor });
      if (!alive()) return;
      const t = d.timeline;
      let lastYear = list.dataset.year || '';
      for (const x of t.nodes) {
        // the facts within the range come first; then, under their own heading, those
        // that only overlap it: dated by a year or month only, longer or open periods
        if (ranged && !aroundShown && !within(x, from, to)) {
          list.append(h('li', { class: 'around' }, h('h2', { style: 'margin:.6rem 0 .2rem' }, 'Also overlapping the range'),
            h('p', { class: 'muted' }, 'Facts dated only by a year or a month that reach beyond the range, and periods that begin before it or end after it.')));
          aroundShown = true;
          lastYear = '';
        }
        const y = (x.date || '').slice(0, 4);
        if (y && y !== lastYear) { list.append(h('li', { class: 'year' }, h('h2', { style: 'margin:.2rem 0' }, y))); lastYear = y; }
        const item = factItem(x, preds, e ? e.id : null, { noDate: true });
        item.prepend(h('div', { class: 'when' }, fmtPeriod(x) || 'undated'));
        list.append(item);
      }
      list.dataset.year = lastYear;
      shown += t.nodes.length;
      const c = await counted;
      if (!alive()) return;
      const plural = (n) => (n === 1 ? '' : 's');
      count.textContent = c === null
        ? `${num(shown)} dated facts shown; too many to count at once: narrow the dates, or pick a predicate or an entity.`
        : ranged
          ? `${num(c.total)} dated fact${plural(c.total)} in the range: ${num(c.within)} within it, ${num(c.total - c.within)} overlapping it${shown < c.total ? `; ${num(shown)} shown` : ''}.`
          : `${num(c.total)} dated fact${plural(c.total)}${shown < c.total ? `, ${num(shown)} shown` : ''}.`;
      cursor = t.pageInfo.hasNextPage ? t.pageInfo.endCursor : null;
      more.replaceChildren(cursor ? h('button', { type: 'button', onclick: (ev) => { ev.target.disabled = true; load().catch(showErr); } }, 'Show 50 more') : '');
    };
    const showErr = (err) => more.replaceChildren(h('p', { class: 'error' }, err.message));
    await load();
  }

  // ---------- path ----------

  async function viewPath(main, r, alive) {
    document.title = 'Path — emigraph explorer';
    const preds = await predicates();
    const fromId = r.params.get('from') || '';
    const toId = r.params.get('to') || '';
    const avoid = (r.params.get('avoid') || '').split(',').filter(Boolean);
    const names = new Map();
    const ids = [fromId, toId, ...avoid].filter(Boolean);
    if (ids.length) {
      const fields = ids.map((id, i) => `e${i}: entity(id: ${JSON.stringify(id)}) { id name type }`);
      const d = await gql(`{ ${fields.join(' ')} }`);
      ids.forEach((id, i) => { if (d[`e${i}`]) names.set(id, d[`e${i}`]); });
    }
    let pickedFrom = names.get(fromId) || null;
    let pickedTo = names.get(toId) || null;
    const fromBox = searchBox({ label: 'From', name: 'from', value: pickedFrom ? pickedFrom.name : '', onPick: (x) => { pickedFrom = x; } });
    const toBox = searchBox({ label: 'To', name: 'to', value: pickedTo ? pickedTo.name : '', onPick: (x) => { pickedTo = x; toBox.querySelector('input') && findBtn.focus(); } });
    const findBtn = h('button', { type: 'submit', class: 'primary' }, 'Find the connection');
    const form = h('form', { class: 'path-form', onsubmit: (ev) => {
      ev.preventDefault();
      if (!pickedFrom || !pickedTo) { msg.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Pick both ends from the suggestions.')); return; }
      go(url('path', null, { from: pickedFrom.id, to: pickedTo.id, avoid: pickedFrom.id === fromId && pickedTo.id === toId ? avoid : [] }));
    } }, fromBox, toBox, findBtn);
    const msg = h('div', {});
    const result = h('div', {});
    setView(main, alive, h('h1', {}, 'How are two entities connected?'),
      h('p', { class: 'muted' }, 'The shortest chain of facts between them (up to 4 hops), each hop with its quote. Leave out a node — a hub such as Russia — to ask for another way.'),
      form, msg, result);
    if (!fromId || !toId) { fromBox.querySelector('input').focus(); return; }
    const avoidBox = avoid.length ? h('div', { class: 'avoid' }, 'Left out: ', avoid.map((id) => h('span', { class: 'badge' }, (names.get(id) || { name: id }).name, ' ',
      h('button', { type: 'button', 'aria-label': `Put ${(names.get(id) || { name: id }).name} back`, onclick: () => go(url('path', null, { from: fromId, to: toId, avoid: avoid.filter((x) => x !== id) })) }, '×')))) : null;
    result.replaceChildren(avoidBox || '', h('p', { class: 'loading' }, 'Searching…'));
    const d = await gql(`query Path($from: ID!, $to: ID!, $avoid: [ID!]) { path(from: $from, to: $to, avoid: $avoid) { hops entities { id name type } relations { ...Fact } } }\n${FACT}`,
      { from: fromId, to: toId, avoid: avoid.length ? avoid : null });
    if (!alive()) return;
    const p = d.path;
    document.title = `Path: ${(names.get(fromId) || {}).name} → ${(names.get(toId) || {}).name} — emigraph explorer`;
    if (!p) { result.replaceChildren(avoidBox || '', h('p', { role: 'status' }, 'No connection within 4 hops' + (avoid.length ? ' without the nodes left out.' : '.'))); return; }
    const items = [];
    p.entities.forEach((x, i) => {
      const inner = i > 0 && i < p.entities.length - 1;
      items.push(h('li', { class: 'hop-node', 'data-entity': x.id }, entityLink(x), typeBadge(x.type),
        inner ? h('button', { type: 'button', class: 'leave-out', onclick: () => go(url('path', null, { from: fromId, to: toId, avoid: [...avoid, x.id] })) }, `Leave out ${x.name}`) : null));
      const rel = p.relations[i];
      if (rel) {
        const pr = preds.get(rel.predicate);
        const forward = rel.subject.id === x.id;
        const rest = factItem(rel, preds, null, {});
        rest.querySelector('.head').replaceChildren(h('span', { class: 'pred' }, `↓ ${pr ? (forward ? pr.label : pr.inverseLabel) : rel.predicate}`),
          rel.date ? h('span', { class: 'date' }, fmtPeriod(rel)) : '', rel.quantity ? h('span', { class: 'qty' }, fmtQuantity(rel.quantity)) : '');
        rest.className = 'hop';
        items.push(rest);
      }
    });
    result.replaceChildren(avoidBox || '', h('p', {}, `${p.hops} hop${p.hops === 1 ? '' : 's'}:`), h('ol', { class: 'hops' }, items));
  }

  // ---------- start ----------

  function start() {
    const top = document.getElementById('top-search');
    if (top) top.append(searchBox({ placeholder: 'Search…', name: 'top-q', onPick: (e) => go(entityURL(e.id)) }));
    render(false);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
