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
  sources { quote title section url record { id title publisher published kind } }
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
  // go navigates to u. A filter that navigates passes keepFocus: the control
  // that changed keeps the focus (found again by its id in the new view)
  // instead of the focus moving to the heading.
  function go(u, opts) {
    if (opts && opts.replace) history.replaceState(null, '', u);
    else history.pushState(null, '', u);
    const keep = opts && opts.keepFocus && document.activeElement && document.activeElement.id;
    render(keep ? { id: keep } : true);
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
    const focusedBefore = document.activeElement;
    delete main.dataset.ready;
    main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    const views = { '': viewHome, entity: viewEntity, graph: viewGraph, timeline: viewTimeline, path: viewPath, figures: viewFigures, browse: viewBrowse, compare: viewCompare };
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
    const again = focus && focus.id && document.getElementById(focus.id);
    if (again && main.contains(again)) {
      again.focus({ preventScroll: true });
    } else if (focus && !(document.activeElement !== focusedBefore && typingElsewhere(main))) {
      const h1 = main.querySelector('h1');
      if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    }
  }

  // typingElsewhere tells whether the user is in a field outside the view
  // (the search box above it): a view that finishes loading after the user
  // went there must not take the focus, or the next keys typed are lost.
  function typingElsewhere(main) {
    const a = document.activeElement;
    return Boolean(a && !main.contains(a) && (a.tagName === 'INPUT' || a.tagName === 'SELECT' || a.tagName === 'TEXTAREA'));
  }

  // setView replaces the view's content, unless a newer navigation started.
  function setView(main, alive, ...children) {
    if (!alive()) return false;
    main.replaceChildren(...children.flat());
    return true;
  }

  // ---------- search box (combobox) ----------

  let comboSeq = 0;
  const SUGGESTED = 8; // suggestions shown
  const RANKED = 20; // hits asked for, to rank before showing SUGGESTED
  // BROWSE_WORDS: typing the name of a kind offers its browse page.
  const BROWSE_WORDS = { law: 'laws', laws: 'laws', measure: 'laws', measures: 'laws', person: 'people', people: 'people', persons: 'people',
    country: 'countries', countries: 'countries', group: 'groups', groups: 'groups', event: 'events', events: 'events',
    organization: 'organizations', organizations: 'organizations', organisation: 'organizations', place: 'places', places: 'places' };
  const fold = (x) => x.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/ё/g, 'е').trim();
  // rankHits orders the server's hits for Enter: an exact name or alias
  // first; then matches of the words typed (prefix or whole word) before
  // forgiving ones (typos); among those, the entity with more facts first
  // (typing "emigrants" means the group of 71 facts, not a campaign of 2
  // that names it), then the server's score, then the shorter name.
  function rankHits(hits, text) {
    const t = fold(text);
    const exact = (x) => x.kind === 'EXACT' || fold(x.entity.name) === t || fold(x.matchedText || '') === t;
    const close = (x) => x.kind === 'EXACT' || x.kind === 'PREFIX' || x.kind === 'WORD';
    const degree = (x) => (x.entity.relations ? x.entity.relations.totalCount : 0);
    return hits.slice().sort((a, b) => (exact(b) - exact(a)) || (close(b) - close(a)) || (degree(b) - degree(a))
      || (b.score - a.score) || (a.entity.name.length - b.entity.name.length));
  }
  // searchBox is a combobox that suggests entities as the user types
  // (searchHits: forgiving of typos, diacritics and Cyrillic). onPick gets the
  // chosen entity {id, name, type}.
  function searchBox({ label, placeholder, onPick, value, name, clearOnPick }) {
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
        if (hit.browse) {
          list.append(h('li', { id: `${listId}-${i}`, role: 'option', class: 'browse-option', 'aria-selected': i === active ? 'true' : 'false', 'data-browse': hit.browse,
            onmousedown: (ev) => { ev.preventDefault(); pick(i); } }, h('span', { class: 'name' }, `Browse all ${hit.browse}`)));
          return;
        }
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
      pending = gql(`query Suggest($text: String!) { searchHits(text: $text, first: ${RANKED}) { entity { id name type relations(first: 0) { totalCount } } kind matchedText score } }`, { text })
        .then((d) => {
          if (my !== seq) return;
          // the suggestion chosen with the arrows stays chosen when the
          // suggestions of a longer text arrive, if it is still among them
          const chosen = active >= 0 && hits[active] ? hits[active].entity.id : null;
          hits = rankHits(d.searchHits, text).slice(0, SUGGESTED);
          const kind = BROWSE_WORDS[fold(text)];
          if (kind) hits.push({ browse: kind, entity: { id: '', name: '', type: '' } });
          const kept = chosen ? hits.findIndex((x) => x.entity.id === chosen) : -1;
          active = kept > 0 ? kept : hits.length ? 0 : -1;
          list.dataset.for = text;
          show();
        })
        .catch((e) => { if (my === seq) { hits = []; list.replaceChildren(h('li', { class: 'none' }, e.message)); list.hidden = false; } })
        .finally(() => { if (my === seq) pending = null; });
      return pending;
    }
    function pick(i) {
      const hit = hits[i];
      if (!hit) return;
      close();
      if (hit.browse) { input.value = ''; go(url('browse', hit.browse)); return; }
      // a box that navigates is emptied, so that the next name typed is not
      // appended to the last one; a box that holds a choice shows it
      input.value = clearOnPick ? '' : hit.entity.name;
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
    // typing over a name shown replaces it
    input.addEventListener('focus', () => { if (input.value) input.select(); });
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
    const rec = s.record;
    const who = rec && rec.publisher && rec.publisher !== s.title ? `${rec.publisher}: ` : '';
    const where = [s.title, s.section].filter(Boolean).join(' › ');
    return [
      h('blockquote', {}, `“${s.quote}”`),
      h('p', { class: 'cite' }, '— ', who, where || 'source', rec && rec.published ? ` (${fmtDate(rec.published)})` : '',
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
    const box = searchBox({ label: 'Find a person, country, law, event or group', placeholder: 'e.g. Пугачёва, galkin, Georgia', clearOnPick: true, onPick: (e) => go(entityURL(e.id)) });
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
      h('h2', {}, 'Browse'),
      h('ul', { class: 'browse-links' }, Object.entries(KINDS).map(([slug, k]) => h('li', {}, h('a', { href: url('browse', slug), 'data-nav': true }, k.title), ' ', h('span', { class: 'muted' }, k.blurb)))),
      h('h2', {}, 'Compare'),
      h('p', {}, h('a', { href: url('compare', null, { to: COMPARE_DEFAULT }), 'data-nav': true }, 'How many went to Georgia, Kazakhstan, Armenia, Serbia and Israel?'),
        ' · ', h('a', { href: url('compare', null, { to: 'all' }), 'data-nav': true }, 'All countries with figures')),
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
      // largest first, but figures (vote shares, counts) after the facts
      // they would otherwise push down, such as the laws a president enacted
      const late = (g) => (g.p.id === 'has-figure' ? 1 : 0);
      const gs = groups.filter((g) => g.dir === dir).sort((a, b) => (late(a) - late(b)) || (b.conn.totalCount - a.conn.totalCount));
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
        ...(f.figures.length ? [figuresChart(f.figures, preds), bySourceBox(f.figures), figuresTable(f.figures, preds, f.total)] : [h('p', {}, 'The graph holds no figure of people moving here.')]),
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

  // quoteKey is what makes two facts' sources the same: their quotes.
  const quoteKey = (r) => (r.sources || []).map((x) => x.quote).join('\n');

  // quotedList is a list of facts where the facts that share one quote (a
  // sentence naming 22 people who left) are shown as one item: the facts,
  // then the quote once. add(r) puts a fact in, joining its quote's item.
  function quotedList(render) {
    const list = h('ul', { class: 'facts' });
    const byQuote = new Map();
    const add = (r) => {
      const k = quoteKey(r);
      const item = render(r);
      const first = k && byQuote.get(k);
      if (!first) {
        if (k) byQuote.set(k, { item, n: 1 });
        list.append(item);
        return item;
      }
      if (first.n === 1) {
        // the second fact of a quote: make the first fact's item the group's
        const sources = [...first.item.children].filter((c) => c.tagName === 'BLOCKQUOTE' || c.classList.contains('cite'));
        const group = h('li', { class: 'quote-group', 'data-quote-group': '' }, h('ul', { class: 'facts' }), h('p', { class: 'shared' }), sources);
        first.item.replaceWith(group);
        group.firstChild.append(first.item);
        first.group = group;
      }
      [...item.children].filter((c) => c.tagName === 'BLOCKQUOTE' || c.classList.contains('cite')).forEach((c) => c.remove());
      first.group.firstChild.append(item);
      first.n++;
      first.group.dataset.quoteGroup = String(first.n);
      first.group.querySelector('.shared').textContent = `These ${first.n} facts come from one quote:`;
      return item;
    };
    return { list, add };
  }

  function groupBlock(e, g, preds) {
    const label = g.dir === 'OUT' ? g.p.label : g.p.inverseLabel;
    const { list, add } = quotedList((r) => factItem(r, preds, e.id, { noLabel: true }));
    g.conn.nodes.forEach(add);
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
        const added = c.nodes.map(add);
        shown += c.nodes.length;
        cursor = c.pageInfo.hasNextPage ? c.pageInfo.endCursor : null;
        status();
        const first = added[0];
        if (first) { first.setAttribute('tabindex', '-1'); first.focus(); }
      } catch (err) {
        more.replaceChildren(h('p', { class: 'error' }, err.message));
      }
    }
    status();
    return h('section', { class: 'group', 'data-predicate': g.p.id, 'data-direction': g.dir },
      h('h3', {}, label, h('span', { class: 'count', title: `${g.conn.totalCount} facts` }, num(g.conn.totalCount))), list, more);
  }

  // TEMPLATE_FACTS is the example fact of the templates for each type: a
  // predicate the type may be the subject of, and the type of its object.
  const TEMPLATE_FACTS = {
    PERSON: ['fled-to', 'COUNTRY'], GROUP: ['fled-to', 'COUNTRY'], ORGANIZATION: ['located-in', 'COUNTRY'],
    COUNTRY: ['enacted', 'LAW'], LAW: ['targets', 'GROUP'], EVENT: ['occurred-in', 'COUNTRY'], PLACE: ['located-in', 'COUNTRY'],
  };
  // PLACEHOLDER_QUOTE stands where the source's words go: the loader
  // refuses it, so a template loaded unchanged writes nothing.
  const PLACEHOLDER_QUOTE = 'The sentence of the source, verbatim.';

  // contributeBox shows how to add a fact about e: the mutation, the curl
  // command, and the same fact as a native (YAML), CSV and JSON Lines file.
  // Each is valid for e's type as it stands, but for the placeholder quote.
  function contributeBox(e, preds) {
    const box = h('details', { class: 'contribute' }, h('summary', {}, `Add a fact about ${e.name}`), h('p', { class: 'loading' }, 'Loading…'));
    const [pid, otype] = TEMPLATE_FACTS[e.type] || ['fled-to', 'COUNTRY'];
    gql(`query Example($type: EntityType) { entities(type: $type, first: 2) { nodes { id } } }`, { type: otype })
      .then((d) => {
        const other = d.entities.nodes.map((x) => x.id).find((id) => id !== e.id) || 'country/georgia';
        box.replaceChildren(box.firstChild, ...templates(e, preds, { subject: e.id, predicate: pid, object: other, date: '2022-09' }));
      })
      .catch((err) => box.replaceChildren(box.firstChild, h('p', { class: 'error' }, err.message)));
    return box;
  }

  function templates(e, preds, f) {
    const src = { title: 'Source title', url: 'https://example.org/the-article' };
    const mutation = `mutation {
  addRelation(relation: {
    subject: ${JSON.stringify(f.subject)}
    predicate: ${JSON.stringify(f.predicate)}
    object: ${JSON.stringify(f.object)}
    date: ${JSON.stringify(f.date)}
    sources: [{ quote: ${JSON.stringify(PLACEHOLDER_QUOTE)}, title: ${JSON.stringify(src.title)}, url: ${JSON.stringify(src.url)} }]
  }, dryRun: true) { ok errors { where field message } summary { relationsAdded } }
}`;
    // native: title and url at the top of the file fill in every source
    const yaml = `title: ${src.title}
url: ${src.url}
relations:
  - subject: ${f.subject}
    predicate: ${f.predicate}
    object: ${f.object}
    date: "${f.date}"
    quote: ${PLACEHOLDER_QUOTE}
`;
    const csv = `subject,predicate,object,date,quote,title,url
${f.subject},${f.predicate},${f.object},${f.date},"${PLACEHOLDER_QUOTE}",${src.title},${src.url}
`;
    const jsonl = JSON.stringify({ kind: 'relation', subject: f.subject, predicate: f.predicate, object: f.object, date: f.date, sources: [{ quote: PLACEHOLDER_QUOTE, ...src }] }) + '\n';
    const origin = location.origin;
    const curl = `curl -s ${origin}/graphql -H 'Content-Type: application/json' -H "Authorization: Bearer $EMIGRAPH_TOKEN" \\
  --data @- <<'EOF'
${JSON.stringify({ query: mutation.replace(/\s+/g, ' ') })}
EOF`;
    const p = preds.get(f.predicate);
    return [
      h('p', {}, `The explorer only reads. With the server’s write token, this mutation adds that ${e.name} `, h('strong', {}, p ? p.label : f.predicate), ` ${f.object} (replace the quote with the source’s own words, and the other fields as needed; `,
        h('code', {}, 'dryRun: true'), ' checks it without writing: remove it to write). A placeholder quote is refused.'),
      h('pre', { 'data-template': 'mutation' }, mutation),
      h('p', {}, 'The same from a shell:'),
      h('pre', { 'data-template': 'curl' }, curl),
      h('p', {}, 'Or as a file, loaded with ', h('code', {}, `emigraph load FILE --server ${origin} --token-file token`), ' (add ', h('code', {}, '--dry-run'), ' to check it first). Native (', h('code', {}, 'facts.yaml'), '):'),
      h('pre', { 'data-template': 'native' }, yaml),
      h('p', {}, 'CSV (', h('code', {}, 'facts.csv'), '):'),
      h('pre', { 'data-template': 'csv' }, csv),
      h('p', {}, 'JSON Lines (', h('code', {}, 'facts.jsonl'), '):'),
      h('pre', { 'data-template': 'jsonl' }, jsonl),
      h('p', {}, 'A predicate is an id such as ', h('code', {}, f.predicate), '; ', h('a', { href: '/graphiql' }, 'GraphiQL'), ' lists them with ', h('code', {}, '{ predicates { id label inverseLabel subjectTypes objectTypes } }'), '.'),
    ];
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
  //
  // opts.series(f) gives the series of a figure ({entity, color}): its
  // colour, and the name in its label (Compare: the destination). Every
  // label names the figure's source, which the tooltip shows.
  function figuresChart(figs, preds, opts) {
    const dated = figs.filter((f) => f.date && f.quantity);
    const seriesOf = (opts && opts.series) || null;
    const canvas = h('canvas', { id: `chart-${++chartSeq}`, role: 'img', 'aria-label': `Chart of ${dated.length} figures over the time each covers (a period as a line from its start to its end, a figure since a date as a dashed line to the right); the table below has the same numbers.` });
    const box = h('div', { class: 'chart-box' }, canvas);
    if (!dated.length || typeof Chart === 'undefined') return box;
    const spans = dated.map(figureSpan);
    const xs = spans.flatMap((sp) => [sp.from, sp.to, sp.at].filter((x) => x !== undefined));
    const lo = Math.floor((Math.min(...xs) - 1 / 12) * 12) / 12;
    const hi = Math.ceil((Math.max(...xs) + 2 / 12) * 12) / 12;
    const colors = ['#24407a', '#b8420f', '#2e7d32', '#6a3d9a', '#a1145a', '#00707a', '#8a6d00'];
    const datasets = dated.map((f, i) => {
      const ser = seriesOf ? seriesOf(f) : null;
      const sp = spans[i], y = f.quantity.amount, color = ser ? ser.color : colors[i % colors.length];
      const who = ser ? `${ser.entity.name}: ${f.subject.name}` : `${f.subject.name}${f.object ? ' → ' + f.object.name : ''}`;
      const base = { label: `${who}: ${fmtQuantity(f.quantity)} (${fmtPeriod(f)}) — source: ${sourceName(f)}`, series: ser ? ser.entity.id : '', source: sourceName(f),
        borderColor: color, backgroundColor: color, showLine: true, borderWidth: 3 };
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
          h('td', { class: 'num', 'data-label': 'When' }, fmtPeriod(f) || '—'),
          h('td', { 'data-label': 'Who' }, entityLink(f.subject)),
          h('td', { 'data-label': 'What' }, p ? p.label : f.predicate, ' ', f.object ? entityLink(f.object) : ''),
          h('td', { class: 'num', 'data-label': 'Figure' }, fmtQuantity(f.quantity), hedgeBadges(f)),
          h('td', { class: 'num', 'data-label': 'Bounds' }, fmtBounds(f.quantity) || '—'),
          h('td', { class: 'source', 'data-label': 'Source' }, (f.sources || []).map(sourceBlock)));
      }))));
  }

  async function viewFigures(main, r, alive) {
    if (!r.id) return viewFiguresPick(main, alive);
    const [e, preds] = await Promise.all([fetchEntity(r.id), predicates()]);
    if (!e) return notFound(main, alive, r.id);
    document.title = `Figures: ${e.name} — emigraph explorer`;
    const place = e.type === 'COUNTRY' || e.type === 'PLACE';
    let side = r.params.get('as') === 'subject' ? 'subject' : 'object';
    const defaultPredicate = (sd) => (sd === 'object' && place ? 'migration-to' : '');
    let predicate = r.params.has('predicate') ? r.params.get('predicate') : defaultPredicate(side);
    const unit = r.params.has('unit') ? r.params.get('unit') : 'people';
    const body = h('div', {}, h('p', { class: 'loading' }, 'Loading figures…'));
    const filters = h('div', { class: 'filters' });
    setView(main, alive, entityHeader(e, 'figures'), filters, body);
    let f = await loadFigures({ [side]: e.id, predicate, unit });
    // With no direction asked for, the tab opens on the one that has
    // figures: a group such as "Russian emigrants" is the subject of its.
    if (!f.figures.length && !r.params.has('as')) {
      const other = side === 'object' ? 'subject' : 'object';
      const p2 = r.params.has('predicate') ? predicate : defaultPredicate(other);
      const g = await loadFigures({ [other]: e.id, predicate: p2, unit });
      if (g.figures.length) {
        side = other; predicate = p2; f = g;
        if (alive()) history.replaceState(null, '', url('figures', e.id, { predicate: r.params.has('predicate') ? predicate : '', as: side, unit: r.params.get('unit') || '' }));
      }
    }
    if (!alive()) return;
    const predSel = h('select', { id: 'fig-pred' }, h('option', { value: '' }, 'any predicate'),
      [...preds.values()].map((p) => h('option', { value: p.id, selected: p.id === predicate }, p.label)));
    const sideSel = h('select', { id: 'fig-side' },
      h('option', { value: 'object', selected: side === 'object' }, `facts about ${e.name} (as object)`),
      h('option', { value: 'subject', selected: side === 'subject' }, `facts by ${e.name} (as subject)`));
    const unitIn = h('input', { id: 'fig-unit', value: unit, size: 10 });
    const apply = () => go(url('figures', e.id, { predicate: predSel.value || '', as: sideSel.value, unit: unitIn.value.trim() }), { keepFocus: true });
    predSel.addEventListener('change', apply);
    sideSel.addEventListener('change', apply);
    unitIn.addEventListener('change', apply);
    filters.replaceChildren(h('label', { for: 'fig-side' }, 'Which', sideSel), h('label', { for: 'fig-pred' }, 'Predicate (and narrower)', predSel), h('label', { for: 'fig-unit' }, 'Unit', unitIn));
    if (!f.figures.length) { body.replaceChildren(h('p', {}, `The graph holds no figure in ${unit || 'any unit'} ${side === 'object' ? 'about' : 'by'} ${e.name}${predicate ? ' for this predicate' : ''}.`)); return; }
    // one colour per other end (the destination of a group's figures, the
    // group counted in a country's), named in the legend with its sources
    const otherEnd = (x) => (side === 'object' ? x.subject : x.object) || { id: '', name: 'no other entity (a total)', type: '' };
    const keys = [...new Set(f.figures.map((x) => otherEnd(x).id))];
    const series = keys.map((k, i) => ({ entity: otherEnd(f.figures.find((x) => otherEnd(x).id === k)), color: SERIES_COLORS[i % SERIES_COLORS.length], figures: f.figures.filter((x) => otherEnd(x).id === k) }));
    const byKey = new Map(series.map((sr) => [sr.entity.id, sr]));
    body.replaceChildren(figuresChart(f.figures, preds, { series: (x) => byKey.get(otherEnd(x).id) }), compareLegend(series), bySourceBox(f.figures), figuresTable(f.figures, preds, f.total));
  }

  // viewFiguresPick is /explore/figures without an entity: pick one.
  function viewFiguresPick(main, alive) {
    document.title = 'Figures — emigraph explorer';
    const box = searchBox({ label: 'Whose figures?', name: 'figures-of', clearOnPick: true, placeholder: 'e.g. Georgia, Russian emigrants', onPick: (x) => go(url('figures', x.id)) });
    setView(main, alive, h('h1', {}, 'Figures'),
      h('p', {}, 'Pick a country, a group or an event to see the figures the graph holds about it, or ',
        h('a', { href: url('compare', null, { to: COMPARE_DEFAULT }), 'data-nav': true }, 'compare destinations'), '.'),
      box);
    box.querySelector('input').focus();
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
    const set = (patch) => go(url('graph', e.id, { ...state(), ...patch }), { keepFocus: true });

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
      h('div', { class: 'filters' }, h('label', { for: 'g-pred' }, 'Predicate', predSel), h('div', { role: 'group', 'aria-label': 'Depth' }, depthBtns),
        h('label', { for: 'g-from' }, 'From', fromIn), h('label', { for: 'g-to' }, 'To', toIn)),
      notice, legend, h('div', { class: 'graph-wrap' }, cyBox, info), listBox);

    const preds1 = predicate ? [predicate] : null;
    // The count, the groups' counts (the store's counters) and a light
    // sample (ends and types only) in parallel; a hub is drawn grouped from
    // them: one node per predicate, direction and type, expanded on click.
    // The predicate filter and "every node" (agg=off) opt out.
    const mayGroup = !predicate && r.params.get('agg') !== 'off';
    const [total0, counts, light] = await Promise.all([
      gql(`query Total($id: ID!, $predicates: [String!]) { entity(id: $id) { relations(first: 0, predicates: $predicates) { totalCount } } }`, { id: e.id, predicates: preds1 }),
      mayGroup ? groupCounts(e, preds) : null,
      mayGroup ? gql(`query Sample($id: ID!, $first: Int) { neighborhood(id: $id, depth: 1, first: $first) { truncated entities { id name type } relations { id predicate subject { id type } object { id type } } } }`, { id: e.id, first: GRAPH_FIRST }) : null,
    ]);
    if (!alive()) return;
    const total = total0.entity.relations.totalCount;
    const aggregated = mayGroup && total > AGGREGATE_ABOVE;
    const groups = aggregated ? counts : null;
    const d = aggregated ? light : await gql(`query Neighbourhood($id: ID!, $depth: Int, $first: Int, $predicates: [String!]) {
  neighborhood(id: $id, depth: $depth, first: $first, predicates: $predicates) { truncated entities { id name type } relations { ...Fact } }
}\n${FACT}`, { id: e.id, depth, first: GRAPH_FIRST, predicates: preds1 });
    if (!alive()) return;
    const nb = d.neighborhood;
    let rels = nb.relations.filter((x) => x.object && overlaps(x, from, to));
    const own = (x) => x.subject.id === e.id || (x.object && x.object.id === e.id);
    const direct = nb.relations.filter(own).length;
    const msgs = [];
    let capped = 0;
    if (!aggregated && depth === 2) {
      // depth 2 stays readable: every relation of the entity, then its
      // neighbours' until DEPTH2_NODES entities are drawn
      const keepIds = new Set([e.id]);
      rels.filter(own).forEach((x) => { keepIds.add(x.subject.id); keepIds.add(x.object.id); });
      const kept = rels.filter(own);
      for (const x of rels.filter((y) => !own(y))) {
        const add = [x.subject.id, x.object.id].filter((id) => !keepIds.has(id));
        if (keepIds.size + add.length > DEPTH2_NODES) { capped++; continue; }
        add.forEach((id) => keepIds.add(id));
        kept.push(x);
      }
      rels = kept;
    }
    const keep = new Set([e.id]);
    rels.forEach((x) => { keep.add(x.subject.id); keep.add(x.object.id); });
    let ents = aggregated ? nb.entities.filter((x) => x.id === e.id) : nb.entities.filter((x) => keep.has(x.id));
    const aggNodes = aggregated ? aggregateNodes(e, groups, nb.relations, preds) : [];
    if (aggregated) {
      msgs.push(h('span', {}, `${e.name} has ${num(total)} facts: drawn grouped, one node per predicate and type (${aggNodes.length} groups). Click a group to draw its entities, or pick a predicate: `,
        groups.slice(0, 6).map((g, i) => [i ? ' · ' : '', h('a', { href: url('graph', e.id, { predicate: g.p.id, from, to }), 'data-nav': true }, `${g.dir === 'OUT' ? g.p.label : g.p.inverseLabel} (${num(g.total)})`)]),
        ' · ', h('a', { href: url('graph', e.id, { agg: 'off', depth: depth === 2 ? 2 : '', from, to }), 'data-nav': true }, 'a sample of every node'), '.'));
      if (depth === 2) msgs.push(`Depth 2 of a node with ${num(total)} facts would be unreadable: its groups are drawn instead; expand one, then open an entity.`);
    } else if (nb.truncated || direct < total || capped) {
      const hiddenOwn = Math.max(0, total - direct);
      msgs.push(hiddenOwn > 0
        ? `Showing a sample: ${num(rels.length)} relations drawn; ${e.name} has ${num(total)}${predicate ? ' of this predicate' : ''}, so ${num(hiddenOwn)} of its own are hidden${depth === 2 ? ' (and more of its neighbours’)' : ''}. The Facts tab pages through all of them.`
        : `All ${num(total)} of ${e.name}’s own relations${predicate ? ' of this predicate' : ''} are drawn; of its neighbours’ relations, ${num(rels.length - direct)} are drawn and the rest are hidden, to keep the graph under ${DEPTH2_NODES} nodes. Open a neighbour for its own.`);
    }
    if (from || to) msgs.push(`Date filter: ${num(nb.relations.length - rels.length)} relations outside ${fmtDate(from) || '…'} – ${fmtDate(to) || '…'} (or undated) are hidden.`);
    notice.replaceChildren(...msgs.map((m) => h('p', { class: 'notice', role: 'status' }, m)));
    drawGraph({ e, preds, alive, cyBox, info, listBox, ents, rels: aggregated ? [] : rels, aggNodes });
  }

  // drawGraph draws a graph view's entities and relations with Cytoscape,
  // a hub's groups (aggNodes) expanding on click, and lists the same
  // entities under it for the keyboard and screen readers.
  function drawGraph({ e, preds, alive, cyBox, info, listBox, ents, rels, aggNodes }) {
    const drawList = () => listBox.replaceChildren(h('summary', {}, `The ${ents.length} entities in this graph, as a list`),
      h('ul', {}, ents.map((x) => h('li', {}, entityLink(x), ' ', typeBadge(x.type)))),
      aggNodes.length ? h('ul', { 'aria-label': 'Groups' }, cyNodesAgg().map((n) => h('li', {}, h('button', { type: 'button', onclick: () => expand(n) }, `Draw ${n.data('label')}`)))) : null);

    if (typeof cytoscape === 'undefined') { cyBox.replaceChildren(h('p', { class: 'error' }, 'Cytoscape did not load.')); return; }
    if (typeof cytoscapeFcose !== 'undefined' && !cytoscape.__fcose) { cytoscape.use(cytoscapeFcose); cytoscape.__fcose = true; }
    const byId = new Map(rels.map((x) => [x.id, x]));
    const cy = cytoscape({
      container: cyBox,
      elements: [
        ...ents.map((x) => ({ data: { id: x.id, label: x.name, type: x.type, root: x.id === e.id ? 1 : 0 } })),
        ...rels.map((x) => ({ data: { id: x.id, source: x.subject.id, target: x.object.id, label: edgeLabel(preds.get(x.predicate), x) } })),
        ...aggNodes.flatMap((a) => [{ data: a }, { data: { id: 'edge:' + a.id, source: a.dir === 'OUT' ? e.id : a.id, target: a.dir === 'OUT' ? a.id : e.id, label: '' } }]),
      ],
      style: graphStyle(),
      layout: { name: 'preset' },
      wheelSensitivity: 0.3,
      minZoom: 0.2,
      maxZoom: 3,
    });
    cleanups.push(() => cy.destroy());
    window.explorerGraph = cy; // for the browser tests and the curious
    const cyNodesAgg = () => cy.nodes('[agg = 1]').toArray();
    const runLayout = (randomize) => {
      const n = cy.nodes().length;
      // a hub's groups are a star: the hub in the middle, its groups around
      // it (a force layout of ten nodes took longer than the rest of the view)
      const star = cy.nodes('[agg != 1][root != 1]').length === 0;
      const layout = cy.layout(star && n > 1
        ? { name: 'concentric', concentric: (x) => (x.data('root') ? 2 : 1), levelWidth: () => 1, minNodeSpacing: 70, animate: false, fit: true, padding: 30 }
        : n > 1 && typeof cytoscapeFcose !== 'undefined'
        ? { name: 'fcose', animate: false, quality: n > 80 ? 'draft' : 'default', randomize, nodeRepulsion: 6000, idealEdgeLength: 90, numIter: 1500, fit: true, padding: 20 }
        : { name: 'concentric', animate: false, fit: true, padding: 30 });
      // readyAt: when the graph was drawn, by the page's clock (the big-store test reports it)
      layout.one('layoutstop', () => { cyBox.dataset.ready = '1'; cyBox.dataset.readyAt = String(Math.round(performance.now())); });
      layout.run();
    };
    // expand draws a group's entities, a page at a time: the group's node
    // stays, relabelled, while more remain.
    async function expand(n) {
      const a = n.data();
      if (a.busy) return;
      n.data('busy', true);
      let c;
      try {
        const dd = await gql(`query Expand($id: ID!, $after: String, $otherType: EntityType) { entity(id: $id) { relations(direction: ${a.dir}, predicate: ${JSON.stringify(a.pred)}, exact: true, otherType: $otherType, first: ${EXPAND_PAGE}, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...Fact } } } }\n${FACT}`,
          { id: e.id, after: a.cursor || null, otherType: a.otype || null });
        c = dd.entity.relations;
      } catch (err) {
        info.replaceChildren(h('p', { class: 'error' }, err.message));
        n.data('busy', false);
        return;
      }
      if (!alive() || cy.destroyed()) return;
      const added = [];
      for (const x of c.nodes) {
        if (!x.object) continue;
        for (const end of [x.subject, x.object]) {
          if (cy.getElementById(end.id).length) continue;
          added.push({ group: 'nodes', data: { id: end.id, label: end.name, type: end.type, root: 0 }, position: { ...n.position() } });
          ents.push(end);
        }
        if (!cy.getElementById(x.id).length) added.push({ group: 'edges', data: { id: x.id, source: x.subject.id, target: x.object.id, label: edgeLabel(preds.get(x.predicate), x) } });
        byId.set(x.id, x);
      }
      cy.add(added);
      const drawn = (a.drawn || 0) + c.nodes.length;
      if (c.pageInfo.hasNextPage && drawn < a.count) {
        n.data({ cursor: c.pageInfo.endCursor, drawn, busy: false, label: `${a.plabel}: ${num(a.count - drawn)} more ${typeNoun(a.type, a.count - drawn)}` });
      } else {
        n.remove();
      }
      cyBox.dataset.expanded = String(Number(cyBox.dataset.expanded || 0) + 1);
      drawList();
      runLayout(false);
    }
    cy.on('tap', 'node', (ev) => { if (ev.target.data('agg')) expand(ev.target); else go(entityURL(ev.target.id())); });
    cy.on('tap', 'edge', (ev) => {
      const x = byId.get(ev.target.id());
      if (!x) return;
      info.replaceChildren(h('h2', { style: 'margin-top:0' }, 'Fact'), h('ul', { class: 'facts' }, factItem(x, preds, null, { full: true })));
    });
    drawList();
    runLayout(true);
  }

  const AGGREGATE_ABOVE = 30; // facts above which a node's neighbourhood is drawn grouped
  const EXPAND_PAGE = 25; // entities a click on a group draws
  const DEPTH2_NODES = 45; // entities a depth-2 graph draws at most
  const TYPE_PLURALS = { PERSON: ['person', 'people'], COUNTRY: ['country', 'countries'], GROUP: ['group', 'groups'], ORGANIZATION: ['organization', 'organizations'],
    LAW: ['law', 'laws'], EVENT: ['event', 'events'], PLACE: ['place', 'places'] };
  const typeNoun = (t, n) => (TYPE_PLURALS[t] || ['entity', 'entities'])[n === 1 ? 0 : 1];

  // groupCounts counts an entity's facts per predicate and direction its
  // type allows (exact: the counters of the store), largest first.
  async function groupCounts(e, preds) {
    const wanted = [];
    for (const p of preds.values()) {
      if (!p.subjectTypes.length || p.subjectTypes.includes(e.type)) wanted.push({ p, dir: 'OUT' });
      if (!p.objectTypes.length || p.objectTypes.includes(e.type)) wanted.push({ p, dir: 'IN' });
    }
    const chunks = [];
    for (let i = 0; i < wanted.length; i += ALIASES_PER_REQUEST) chunks.push(wanted.slice(i, i + ALIASES_PER_REQUEST));
    const counted = await Promise.all(chunks.map(async (chunk, ci) => {
      const fields = chunk.map((w, i) => `g${i}: relations(direction: ${w.dir}, predicate: ${JSON.stringify(w.p.id)}, exact: true, first: 0) { totalCount }`);
      const d = await gql(`query Counts${ci}($id: ID!) { entity(id: $id) { ${fields.join('\n')} } }`, { id: e.id });
      return chunk.map((w, i) => ({ ...w, total: d.entity[`g${i}`].totalCount }));
    }));
    return counted.flat().filter((g) => g.total > 0).sort((a, b) => b.total - a.total);
  }

  // aggregateNodes makes the group nodes of a hub: one per predicate,
  // direction and type of the other end. The count of a group is exact (the
  // store's counter); its split by type comes from the sample drawn, and is
  // made only when the sample holds the whole group.
  function aggregateNodes(e, groups, sample, preds) {
    const out = [];
    for (const g of groups) {
      const plabel = g.dir === 'OUT' ? g.p.label : g.p.inverseLabel;
      const mine = sample.filter((x) => x.predicate === g.p.id && x.object && (g.dir === 'OUT' ? x.subject.id === e.id : x.object.id === e.id));
      const types = new Map();
      mine.forEach((x) => { const t = (g.dir === 'OUT' ? x.object : x.subject).type; types.set(t, (types.get(t) || 0) + 1); });
      const allowed = g.dir === 'OUT' ? g.p.objectTypes : g.p.subjectTypes;
      let split;
      if (allowed.length === 1) split = [[allowed[0], g.total, null]];
      else if (types.size === 1 && mine.length === g.total) split = [[[...types.keys()][0], g.total, null]];
      else if (mine.length === g.total) split = [...types.entries()].map(([t, n]) => [t, n, t]);
      else split = [[[...types.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t)[0] || allowed[0] || '', g.total, null]];
      for (const [t, n, otype] of split) {
        const noun = otype || allowed.length === 1 || types.size <= 1 ? typeNoun(t, n) : (n === 1 ? 'entity' : 'entities');
        out.push({ id: `agg:${g.dir}:${g.p.id}:${otype || ''}`, agg: 1, root: 0, type: t, dir: g.dir, pred: g.p.id, otype, count: n, plabel, label: `${plabel}: ${num(n)} ${noun}` });
      }
    }
    return out;
  }

  function graphStyle() {
    return [
      { selector: 'node', style: {
        'background-color': (n) => typeInfo(n.data('type')).color, shape: (n) => typeInfo(n.data('type')).shape,
        label: 'data(label)', 'font-size': 11, color: '#1b1b1f', 'text-valign': 'bottom', 'text-margin-y': 3,
        'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': 1,
        'text-wrap': 'ellipsis', 'text-max-width': 140, width: 22, height: 22, 'min-zoomed-font-size': 7,
      } },
      { selector: 'node[root = 1]', style: { width: 38, height: 38, 'border-width': 4, 'border-color': '#1b1b1f', 'font-size': 14, 'font-weight': 'bold', 'z-index': 10 } },
      { selector: 'node[agg = 1]', style: { width: 30, height: 30, 'border-width': 2, 'border-style': 'dashed', 'border-color': '#1b1b1f', 'font-size': 14, 'font-weight': 'bold', 'text-wrap': 'wrap', 'text-max-width': 120 } },
      { selector: 'edge', style: {
        width: 1.5, 'line-color': '#9aa3b5', 'target-arrow-color': '#9aa3b5', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier',
        label: 'data(label)', 'font-size': 9, color: '#3a3a44', 'text-rotation': 'autorotate', 'text-background-color': '#ffffff',
        'text-background-opacity': 0.8, 'min-zoomed-font-size': 8,
      } },
      { selector: 'edge:selected', style: { width: 3, 'line-color': '#c2410c', 'target-arrow-color': '#c2410c' } },
      { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#c2410c' } },
    ];
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
    const set = (patch) => go(url('timeline', e ? e.id : null, { predicate, from, to, ...patch }), { keepFocus: true });
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
    const ranged = Boolean(from || to);
    // A range is shown by precision: facts with an exact date first, then
    // those dated only by a month within the range, then those that only
    // overlap it (dated only by a year, or periods reaching out of it).
    const list = h('ol', { class: 'timeline' });
    const byMonth = h('ol', { class: 'timeline', 'data-precision': 'MONTH' });
    const around = h('ol', { class: 'timeline', 'data-precision': 'AROUND' });
    const shownBy = { exact: 0, month: 0, around: 0 };
    const more = h('div', { class: 'more' });
    const count = h('p', { class: 'muted' });
    const precisionCount = h('p', { class: 'muted precision-count' });
    setView(main, alive,
      e ? entityHeader(e, 'timeline') : [h('h1', {}, 'Timeline of the whole graph'), h('p', { class: 'muted' }, 'Every dated fact, oldest first. Open an entity for its own timeline.')],
      h('div', { class: 'filters' }, h('label', { for: 't-pred' }, 'Predicate', predSel), h('label', { for: 't-from' }, 'From', fromIn), h('label', { for: 't-to' }, 'To', toIn), bad),
      count, precisionCount, list, byMonth, around, more);
    let cursor = null;
    let shown = 0;
    let aroundShown = false;
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
      for (const x of t.nodes) {
        const item = factItem(x, preds, e ? e.id : null, { noDate: true });
        // a date of a year only is "during 2022", never read as a day
        const yearOnly = x.precision === 'YEAR' && !x.endDate && x.timing !== 'SINCE';
        item.prepend(h('div', { class: 'when', 'data-precision': x.precision || '' }, yearOnly ? `during ${x.date}` : (fmtPeriod(x) || 'undated')));
        if (!ranged) { yearHeading(list, x); list.append(item); continue; }
        // within the range and exact, within it by the month, or around it
        const inside = within(x, from, to);
        if (inside && x.precision === 'DAY') {
          if (!shownBy.exact) list.append(h('li', { class: 'precision', 'data-precision': 'DAY' }, h('h2', { style: 'margin:.6rem 0 .2rem' }, 'Exact dates')));
          shownBy.exact++; list.append(item);
        } else if (inside) {
          if (!shownBy.month) byMonth.append(h('li', { class: 'precision', 'data-precision': 'MONTH' }, h('h2', { style: 'margin:.6rem 0 .2rem' }, 'Dated only by the month'),
            h('p', { class: 'muted' }, 'The source gives the month, not the day: some time within it.')));
          shownBy.month++; byMonth.append(item);
        } else {
          if (!aroundShown) {
            around.append(h('li', { class: 'around' }, h('h2', { style: 'margin:.6rem 0 .2rem' }, 'Also overlapping the range'),
              h('p', { class: 'muted' }, 'Facts dated only by a year (during 2022) or a month that reach beyond the range, and periods that begin before it or end after it.')));
            aroundShown = true;
          }
          shownBy.around++; yearHeading(around, x); around.append(item);
        }
      }
      if (ranged) precisionCount.textContent = `Shown: ${num(shownBy.exact)} with an exact date, ${num(shownBy.month)} dated only by the month, ${num(shownBy.around)} dated only by the year or reaching beyond the range.`;
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

  // yearHeading puts a year's heading in a timeline before its first fact.
  function yearHeading(list, x) {
    const y = (x.date || '').slice(0, 4);
    if (y && y !== (list.dataset.year || '')) { list.append(h('li', { class: 'year' }, h('h2', { style: 'margin:.2rem 0' }, y))); list.dataset.year = y; }
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

  // ---------- browse ----------

  const BROWSE_PAGE = 50; // entities asked for a request
  const BROWSE_MAX = 1000; // entities listed at most (a filter narrows them)
  const REL = 'totalCount nodes { date endDate timing precision subject { id name type } object { id name type } }';
  // KINDS are the browse pages: the entity type, the facts shown beside
  // each entity (type-specific fields of the public schema), and the
  // columns of its table. A column is [heading, cell(entity) → content,
  // sort key(entity) → string or number].
  const KINDS = {
    laws: { type: 'LAW', title: 'Laws and measures', blurb: 'who enacted or proposed them, and whom they target',
      fields: `enactedBy(first: 3) { ${REL} } proposedBy(first: 3) { ${REL} } announcedBy(first: 3) { ${REL} } targets(first: 4) { ${REL} }` },
    people: { type: 'PERSON', title: 'People who left', blurb: 'and where they went',
      fields: `left(first: 3) { ${REL} } migrationTo(first: 4) { ${REL} }` },
    countries: { type: 'COUNTRY', title: 'Countries', blurb: 'with their latest figure of people who arrived',
      fields: `migrationFrom(first: 0) { totalCount }` },
    groups: { type: 'GROUP', title: 'Groups', blurb: 'such as Russian emigrants', fields: '' },
    events: { type: 'EVENT', title: 'Events', blurb: 'waves, campaigns, protests', fields: '' },
    organizations: { type: 'ORGANIZATION', title: 'Organizations', blurb: '', fields: '' },
    places: { type: 'PLACE', title: 'Places', blurb: 'borders and cities', fields: '' },
  };
  const others = (conn, side) => (conn ? conn.nodes.map((x) => x[side]).filter(Boolean) : []);
  const links = (ents, total) => [ents.map((x, i) => [i ? ', ' : '', entityLink(x)]), total > ents.length ? h('span', { class: 'muted' }, ` and ${num(total - ents.length)} more`) : null];
  const firstDate = (...conns) => conns.flatMap((c) => (c ? c.nodes : [])).map((x) => x.date).filter(Boolean).sort()[0] || '';

  function browseColumns(slug, figures) {
    const name = ['Name', (e) => [entityLink(e), e.description ? h('div', { class: 'muted small' }, e.description) : null], (e) => e.name.toLowerCase()];
    const facts = ['Facts', (e) => num(e.all.totalCount), (e) => e.all.totalCount];
    switch (slug) {
      case 'laws': {
        const by = (e) => (e.enactedBy.totalCount ? ['enacted', e.enactedBy] : e.proposedBy.totalCount ? ['proposed', e.proposedBy] : e.announcedBy.totalCount ? ['announced', e.announcedBy] : null);
        return [['Law or measure', name[1], name[2]],
          ['Enacted by', (e) => { const b = by(e); return b ? [b[0] === 'enacted' ? '' : `(${b[0]}) `, links(others(b[1], 'subject'), b[1].totalCount)] : h('span', { class: 'muted' }, '—'); },
            (e) => { const b = by(e); return b ? others(b[1], 'subject').map((x) => x.name).join(', ').toLowerCase() : '~'; }],
          ['When', (e) => fmtDate(firstDate(e.enactedBy, e.proposedBy, e.announcedBy)) || '—', (e) => firstDate(e.enactedBy, e.proposedBy, e.announcedBy) || '9999'],
          ['Targets', (e) => (e.targets.totalCount ? links(others(e.targets, 'object'), e.targets.totalCount) : h('span', { class: 'muted' }, '—')),
            (e) => others(e.targets, 'object').map((x) => x.name).join(', ').toLowerCase() || '~'],
          facts];
      }
      case 'people':
        return [['Person', name[1], name[2]],
          ['Left', (e) => (e.left.totalCount ? links(others(e.left, 'object'), e.left.totalCount) : h('span', { class: 'muted' }, '—')), (e) => others(e.left, 'object').map((x) => x.name).join(', ').toLowerCase() || '~'],
          ['When', (e) => fmtDate(firstDate(e.left, e.migrationTo)) || '—', (e) => firstDate(e.left, e.migrationTo) || '9999'],
          ['Went to', (e) => (e.migrationTo.totalCount ? links([...new Map(others(e.migrationTo, 'object').map((x) => [x.id, x])).values()], e.migrationTo.totalCount) : h('span', { class: 'muted' }, '—')),
            (e) => others(e.migrationTo, 'object').map((x) => x.name).join(', ').toLowerCase() || '~'],
          facts];
      case 'countries': {
        const latest = (e) => figures && figures.get(e.id);
        return [['Country', name[1], name[2]],
          ['Latest figure', (e) => { const f = latest(e); return f ? [h('strong', {}, fmtQuantity(f.quantity)), ' ', h('span', { class: 'muted' }, `${fmtPeriod(f)} · ${f.subject.name}`)] : h('span', { class: 'muted' }, figures ? 'none in the graph' : '…'); },
            (e) => { const f = latest(e); return f ? f.quantity.amount : -1; }],
          ['Source', (e) => { const f = latest(e); return f ? sourceName(f) : ''; }, (e) => { const f = latest(e); return f ? sourceName(f) : '~'; }],
          ['Migration facts', (e) => num(e.migrationFrom.totalCount), (e) => e.migrationFrom.totalCount],
          facts];
      }
      default:
        return [name, facts];
    }
  }
  // sourceName names where a fact comes from: "Title › Section".
  function sourceName(f) {
    const s = (f.sources || [])[0];
    if (!s) return 'no source';
    const name = [s.title, s.section].filter(Boolean).join(' › ') || 'source';
    const pub = s.record && s.record.publisher;
    return pub && pub !== s.title ? `${name} (${pub})` : name;
  }

  // recordName names a source record for people: its publisher and title.
  function recordName(rec) {
    if (!rec) return 'Sources without a record';
    return [rec.publisher, rec.title].filter(Boolean).join(': ') || rec.id;
  }

  // bySourceBox sets the figures already loaded side by side by the sources
  // that state them (a figure two sources state is under both): who says
  // what. It reads nothing more from the server.
  function bySourceBox(figs) {
    const groups = new Map();
    for (const f of figs) {
      const seen = new Set();
      for (const s of f.sources || []) {
        const key = s.record ? s.record.id : '';
        if (seen.has(key)) continue;
        seen.add(key);
        if (!groups.has(key)) groups.set(key, { record: s.record, figures: [] });
        groups.get(key).figures.push(f);
      }
    }
    const list = [...groups.values()].sort((a, b) => (a.record ? 0 : 1) - (b.record ? 0 : 1));
    return h('section', { class: 'by-source', 'aria-label': 'Figures by source' },
      h('h3', {}, 'Who says what'),
      h('ul', {}, list.map((g) => h('li', { 'data-source': g.record ? g.record.id : '' },
        h('strong', {}, recordName(g.record)),
        g.record && (g.record.kind || g.record.published) ? h('span', { class: 'muted' }, ` (${[g.record.kind && g.record.kind.toLowerCase().replace(/_/g, ' '), g.record.published && fmtDate(g.record.published)].filter(Boolean).join(', ')})`) : '',
        ': ', g.figures.map((f) => `${fmtQuantity(f.quantity)} (${fmtPeriod(f) || 'undated'})`).join('; ')))));
  }

  async function viewBrowse(main, r, alive) {
    const slug = KINDS[r.id] ? r.id : null;
    if (!slug) {
      document.title = 'Browse — emigraph explorer';
      setView(main, alive, h('h1', {}, 'Browse'), h('ul', { class: 'browse-links' }, Object.entries(KINDS).map(([s, k]) => h('li', {}, h('a', { href: url('browse', s), 'data-nav': true }, k.title), ' ', h('span', { class: 'muted' }, k.blurb)))));
      return;
    }
    const kind = KINDS[slug];
    document.title = `${kind.title} — emigraph explorer`;
    const params = r.params;
    const filterIn = h('input', { id: 'b-filter', type: 'search', value: params.get('q') || '', placeholder: 'Filter: any word in a row', autocomplete: 'off' });
    const onlyLeft = slug === 'people' ? h('input', { id: 'b-left', type: 'checkbox', checked: params.get('all') !== '1' }) : null;
    const count = h('p', { class: 'muted', role: 'status' }, 'Loading…');
    const tableBox = h('div', { class: 'table-scroll' });
    const more = h('div', { class: 'more' });
    setView(main, alive,
      h('h1', {}, kind.title),
      h('nav', { class: 'tabs', 'aria-label': 'Kinds' }, Object.entries(KINDS).map(([s, k]) => h('a', { href: url('browse', s), 'data-nav': true, 'aria-current': s === slug ? 'page' : null }, k.title))),
      h('div', { class: 'filters' }, h('label', { for: 'b-filter' }, 'Filter', filterIn),
        onlyLeft ? h('label', { for: 'b-left', class: 'check' }, onlyLeft, 'only people who left or went somewhere') : null),
      count, tableBox, more);

    const rows = [];
    let total = 0;
    let cursor = null;
    let figures = null;
    let figuresNote = '';
    let sortCol = Number(params.get('sort') || 0);
    let sortDesc = params.get('dir') === 'desc';
    const fetchPage = async () => {
      const frag = kind.fields ? `... on ${kind.type[0] + kind.type.slice(1).toLowerCase()} { ${kind.fields} }` : '';
      const d = await gql(`query Browse($after: String) { entities(type: ${kind.type}, first: ${BROWSE_PAGE}, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id name type description all: relations(first: 0) { totalCount } ${frag} } } }`, { after: cursor });
      total = d.entities.totalCount;
      rows.push(...d.entities.nodes);
      cursor = d.entities.pageInfo.hasNextPage ? d.entities.pageInfo.endCursor : null;
    };
    // a first screen at once, then the rest up to BROWSE_MAX, so that
    // sorting and filtering see every row
    await fetchPage();
    while (cursor && rows.length < BROWSE_MAX && alive()) await fetchPage();
    if (!alive()) return;
    if (slug === 'countries') {
      try {
        const d = await gql(`{ figures(predicate: "migration-to", unit: "people", groupBy: OBJECT, first: 100) { key latest { ...Fact } } }\n${FACT}`);
        figures = new Map(d.figures.filter((g) => g.latest).map((g) => [g.key, g.latest]));
      } catch (err) {
        figuresNote = `Latest figures: ${err.message}`;
      }
    }
    if (!alive()) return;
    const cols = browseColumns(slug, figures);
    const draw = () => {
      const words = fold(filterIn.value).split(/\s+/).filter(Boolean);
      const textOf = new Map();
      let shown = rows.filter((e) => (!onlyLeft || !onlyLeft.checked || e.left.totalCount > 0 || e.migrationTo.totalCount > 0));
      const kindTotal = shown.length;
      const cells = new Map(shown.map((e) => [e.id, cols.map((c) => h('td', {}, c[1](e)))]));
      shown.forEach((e) => textOf.set(e.id, fold(cells.get(e.id).map((td) => td.textContent).join(' '))));
      shown = shown.filter((e) => words.every((w) => textOf.get(e.id).includes(w)));
      const key = cols[sortCol] ? cols[sortCol][2] : cols[0][2];
      shown.sort((a, b) => { const x = key(a), y = key(b); const c = x < y ? -1 : x > y ? 1 : 0; return sortDesc ? -c : c; });
      const head = h('tr', {}, cols.map((c, i) => h('th', { scope: 'col', 'aria-sort': i === sortCol ? (sortDesc ? 'descending' : 'ascending') : null },
        h('button', { type: 'button', class: 'sort', id: `b-sort-${i}`, onclick: () => { if (sortCol === i) sortDesc = !sortDesc; else { sortCol = i; sortDesc = i === cols.length - 1; } keep(); draw(); document.getElementById(`b-sort-${i}`).focus(); } },
          c[0], h('span', { 'aria-hidden': 'true', class: 'arrow' }, i === sortCol ? (sortDesc ? ' ▼' : ' ▲') : '')))));
      tableBox.replaceChildren(h('table', { class: 'browse', 'data-kind': slug },
        h('caption', { class: 'visually-hidden' }, `${kind.title}, sortable: the column headings are buttons`),
        h('thead', {}, head), h('tbody', {}, shown.map((e) => h('tr', { 'data-id': e.id }, cells.get(e.id))))));
      const capped = total > rows.length ? ` (the first ${num(rows.length)} of ${num(total)} in the graph)` : '';
      count.textContent = `${num(shown.length)} of ${num(kindTotal)} ${kind.title.toLowerCase()} shown${capped}.${figuresNote ? ' ' + figuresNote : ''}`;
    };
    // the filter and the order live in the URL (replaced, not pushed: typing
    // is not a step back), so a filtered list can be shared
    const keep = () => history.replaceState(null, '', url('browse', slug, { q: filterIn.value.trim(), sort: sortCol || '', dir: sortDesc ? 'desc' : '', all: onlyLeft && !onlyLeft.checked ? '1' : '' }));
    filterIn.addEventListener('input', () => { keep(); draw(); });
    if (onlyLeft) onlyLeft.addEventListener('change', () => { keep(); draw(); });
    draw();
  }

  // ---------- compare ----------

  const COMPARE_DEFAULT = ['country/georgia', 'country/kazakhstan', 'country/armenia', 'country/serbia', 'country/israel'];
  const COMPARE_MAX = 12; // destinations compared at once (aliases of one request)
  const SERIES_COLORS = ['#24407a', '#b8420f', '#2e7d32', '#6a3d9a', '#a1145a', '#00707a', '#8a6d00', '#5d4037', '#c2185b', '#455a64', '#7cb342', '#0277bd'];

  // viewCompare draws the figures of people who went to each destination
  // picked, one series per destination, each figure over the time it covers
  // and naming its source; the table under the chart has the quotes.
  async function viewCompare(main, r, alive) {
    document.title = 'Compare destinations — emigraph explorer';
    const preds = await predicates();
    const raw = r.params.get('to');
    let ids = raw === null ? COMPARE_DEFAULT : raw === 'all' ? null : raw.split(',').filter(Boolean).slice(0, COMPARE_MAX);
    let all = null;
    if (ids === null) {
      // "all countries with figures": one grouped figures query names them
      const d = await gql(`{ figures(predicate: "migration-to", unit: "people", groupBy: OBJECT, first: ${COMPARE_MAX}) { key } }`);
      ids = d.figures.map((g) => g.key);
      all = true;
    }
    const fields = ids.map((id, i) => `e${i}: entity(id: ${JSON.stringify(id)}) { id name type }
  f${i}: figures(object: ${JSON.stringify(id)}, predicate: "migration-to", unit: "people", groupBy: NONE, first: 1) { count figures(first: 50) { ...Fact } }`);
    const d = ids.length ? await gql(`query Compare { ${fields.join('\n')} }\n${FACT}`) : {};
    if (!alive()) return;
    const series = ids.map((id, i) => ({ entity: d[`e${i}`] || { id, name: id, type: '' }, figures: (d[`f${i}`] || []).flatMap((g) => g.figures), color: SERIES_COLORS[i % SERIES_COLORS.length] }))
      .filter((s) => s.entity);
    const chosen = h('ul', { class: 'chips', 'aria-label': 'Destinations compared' }, series.map((s) => h('li', { class: 'chip', 'data-id': s.entity.id },
      h('span', { class: 'swatch', style: `background:${s.color}`, 'aria-hidden': 'true' }), entityLink(s.entity),
      h('button', { type: 'button', 'aria-label': `Remove ${s.entity.name}`, onclick: () => go(url('compare', null, { to: ids.filter((x) => x !== s.entity.id).join(',') || ',' })) }, '×'))));
    const add = searchBox({ label: 'Add a destination', name: 'add-destination', clearOnPick: true, placeholder: 'e.g. Turkey, Finland',
      onPick: (x) => { if (!ids.includes(x.id)) go(url('compare', null, { to: [...ids, x.id].slice(0, COMPARE_MAX).join(',') })); } });
    const dated = series.flatMap((s) => s.figures.filter((f) => f.date && f.quantity).map((f) => ({ ...f, series: s })));
    const none = series.filter((s) => !s.figures.length);
    setView(main, alive,
      h('h1', {}, 'Compare destinations'),
      h('p', { class: 'muted' }, 'How many people went to each place, as the sources state it: each figure over the time it counts (a period as a line from its start to its end, a figure since a date dashed to the right), in the colour of its destination, naming its source. Figures overlap: never add them up.'),
      h('div', { class: 'compare-pick' }, chosen, add,
        h('p', {}, 'Or: ', h('a', { href: url('compare', null, { to: COMPARE_DEFAULT }), 'data-nav': true }, 'Georgia, Kazakhstan, Armenia, Serbia, Israel'), ' · ',
          h('a', { href: url('compare', null, { to: 'all' }), 'data-nav': true, 'aria-current': all ? 'page' : null }, 'all countries with figures'))),
      none.length ? h('p', { class: 'notice', role: 'status' }, `The graph holds no figure of people going to ${none.map((s) => s.entity.name).join(', ')}.`) : null,
      dated.length ? [figuresChart(dated, preds, { series: (f) => f.series }), compareLegend(series), compareTable(series, preds)] : h('p', {}, 'No figures to draw.'));
  }

  function compareLegend(series) {
    return h('ul', { class: 'legend series-legend', 'aria-label': 'Series' }, series.map((s) => h('li', { 'data-id': s.entity.id },
      h('span', { class: 'swatch', style: `background:${s.color}`, 'aria-hidden': 'true' }), s.entity.name,
      h('span', { class: 'muted' }, s.figures.length ? ` — ${s.figures.length} figure${s.figures.length === 1 ? '' : 's'}; source: ${[...new Set(s.figures.map(sourceName))].join('; ')}` : ' — no figure in the graph'))));
  }

  function compareTable(series, preds) {
    return h('div', { class: 'table-scroll' }, h('table', { class: 'figures compare' },
      h('caption', { class: 'muted', style: 'text-align:left' }, 'Every figure drawn above, by destination, with the words of its source'),
      h('thead', {}, h('tr', {}, ['Destination', 'When', 'Who', 'Figure', 'Source'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, series.flatMap((s) => (s.figures.length ? s.figures : [null]).map((f) => (f
        ? h('tr', { 'data-relation': f.id, 'data-destination': s.entity.id },
          h('td', { 'data-label': 'Destination' }, h('span', { class: 'swatch', style: `background:${s.color}`, 'aria-hidden': 'true' }), entityLink(s.entity)),
          h('td', { class: 'num', 'data-label': 'When' }, fmtPeriod(f) || '—'),
          h('td', { 'data-label': 'Who' }, entityLink(f.subject), ' ', h('span', { class: 'muted' }, (preds.get(f.predicate) || {}).label || f.predicate)),
          h('td', { class: 'num', 'data-label': 'Figure' }, fmtQuantity(f.quantity), hedgeBadges(f)),
          h('td', { class: 'source', 'data-label': 'Source' }, (f.sources || []).map(sourceBlock)))
        : h('tr', { 'data-destination': s.entity.id }, h('td', {}, entityLink(s.entity)), h('td', { colspan: 4, class: 'muted' }, 'No figure in the graph.'))))))));
  }

  // ---------- start ----------

  function start() {
    const top = document.getElementById('top-search');
    if (top) top.append(searchBox({ placeholder: 'Search…', name: 'top-q', clearOnPick: true, onPick: (e) => go(entityURL(e.id)) }));
    render(false);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
