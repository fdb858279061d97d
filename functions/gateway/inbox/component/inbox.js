// <notify-inbox api="https://notify.example.com" token="..."></notify-inbox>
// A bell with the unread badge and a panel with the user's in-app feed: infinite scroll, mark read, mark all
// read, archive; follows the live stream (Server-Sent Events over fetch, so the token travels in a header) and
// falls back to polling the count where streams are not served (Lambda), or always with mode="poll".
// Plain JavaScript, no dependencies, nothing loaded from anywhere but `api`. Styled through CSS custom
// properties (--notify-inbox-*); `data-state` says live, connecting or polling. Events: `notify-inbox:click` (cancelable; default opens action_url), `notify-inbox:count`.
(() => {
  if (customElements.get('notify-inbox')) return;

  const STYLE = `
:host { position: relative; display: inline-block; font: var(--notify-inbox-font, 14px/1.4 system-ui, sans-serif);
  color: var(--notify-inbox-fg, #1d2330); }
button { font: inherit; color: inherit; cursor: pointer; }
.bell { position: relative; background: none; border: 0; padding: 6px; border-radius: 50%; line-height: 0; }
.bell:hover, .bell:focus-visible { background: var(--notify-inbox-hover, #eef1f6); }
.bell svg { width: var(--notify-inbox-bell-size, 24px); height: var(--notify-inbox-bell-size, 24px); }
.badge { position: absolute; top: 0; right: 0; min-width: 18px; height: 18px; padding: 0 5px; box-sizing: border-box;
  border-radius: 9px; font-size: 11px; font-weight: 600; line-height: 18px; text-align: center;
  background: var(--notify-inbox-badge-bg, #d7263d); color: var(--notify-inbox-badge-fg, #fff); }
.badge[hidden] { display: none; }
.panel { position: absolute; right: 0; top: calc(100% + 6px); z-index: var(--notify-inbox-z, 1000);
  width: var(--notify-inbox-width, 360px); max-height: var(--notify-inbox-height, 480px); display: flex; flex-direction: column;
  background: var(--notify-inbox-bg, #fff); border: 1px solid var(--notify-inbox-border, #d8dde6);
  border-radius: var(--notify-inbox-radius, 10px); box-shadow: 0 8px 28px rgba(20, 30, 50, .18); overflow: hidden; }
.panel[hidden] { display: none; }
.head { display: flex; align-items: center; justify-content: space-between; padding: 10px 14px;
  border-bottom: 1px solid var(--notify-inbox-border, #d8dde6); font-weight: 600; }
.head button { background: none; border: 0; color: var(--notify-inbox-accent, #2f6fed); font-size: 13px; padding: 2px 4px; }
ul { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
li.item { display: flex; gap: 10px; padding: 10px 14px; border-bottom: 1px solid var(--notify-inbox-border, #eef1f6); cursor: pointer; }
li.item:hover { background: var(--notify-inbox-hover, #f5f7fb); }
li.item.unread { background: var(--notify-inbox-unread-bg, #f2f6ff); }
.dot { flex: none; width: 8px; height: 8px; margin-top: 6px; border-radius: 50%; background: transparent; }
li.unread .dot { background: var(--notify-inbox-accent, #2f6fed); }
.avatar { flex: none; width: 32px; height: 32px; border-radius: 50%; object-fit: cover; }
.text { flex: 1; min-width: 0; }
.title { font-weight: 600; }
.body { color: var(--notify-inbox-muted, #5b6577); overflow-wrap: anywhere; }
.time { color: var(--notify-inbox-muted, #5b6577); font-size: 12px; }
.archive { flex: none; align-self: flex-start; background: none; border: 0; color: var(--notify-inbox-muted, #5b6577); padding: 0 4px; }
.empty, .more { padding: 18px 14px; text-align: center; color: var(--notify-inbox-muted, #5b6577); }
`;
  const BELL =
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>';
  const PAGE = 20;

  class NotifyInbox extends HTMLElement {
    static get observedAttributes() {
      return ['api', 'token', 'mode'];
    }

    constructor() {
      super();
      this.items = new Map();
      this.cursor = null;
      this.hasMore = true;
      this.loading = false;
      this.lastEventId = 0;
      this.count = { unread: 0, unseen: 0, total: 0 };
      const root = this.attachShadow({ mode: 'open' });
      root.innerHTML = `<style>${STYLE}</style>
<button class="bell" part="bell" aria-label="Notifications" aria-haspopup="true" aria-expanded="false">${BELL}<span class="badge" part="badge" hidden></span></button>
<section class="panel" part="panel" hidden role="dialog" aria-label="Notifications">
  <div class="head"><span>Notifications</span><button class="read-all" type="button">Mark all as read</button></div>
  <ul role="list"></ul>
</section>`;
      this.$bell = root.querySelector('.bell');
      this.$badge = root.querySelector('.badge');
      this.$panel = root.querySelector('.panel');
      this.$list = root.querySelector('ul');
      this.$bell.addEventListener('click', () => this.toggle());
      root.querySelector('.read-all').addEventListener('click', () => this.readAll());
      this.onOutside = (event) => {
        if (!event.composedPath().includes(this)) this.toggle(false);
      };
    }

    get api() {
      return (this.getAttribute('api') || '').replace(/\/+$/, '');
    }

    connectedCallback() {
      document.addEventListener('click', this.onOutside);
      this.start();
    }

    disconnectedCallback() {
      document.removeEventListener('click', this.onOutside);
      this.stop();
    }

    attributeChangedCallback(_name, before, after) {
      if (this.isConnected && before !== null && before !== after) {
        this.stop();
        this.start();
      }
    }

    start() {
      if (!this.getAttribute('token')) return;
      this.alive = true;
      this.items.clear();
      this.cursor = null;
      this.hasMore = true;
      this.$list.replaceChildren();
      this.loadPage().then(() => (this.getAttribute('mode') === 'poll' ? this.poll() : this.follow()));
    }

    stop() {
      this.alive = false;
      this.abort?.abort();
      clearTimeout(this.timer);
    }

    call(path, options = {}) {
      return fetch(`${this.api}/api/v1/inbox${path}`, {
        ...options,
        headers: { authorization: `Bearer ${this.getAttribute('token')}`, ...options.headers },
      });
    }

    async json(path, options) {
      const res = await this.call(path, options);
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return res.json();
    }

    // ---- the feed ----------------------------------------------------------

    async loadPage() {
      if (this.loading || !this.hasMore) return;
      this.loading = true;
      try {
        const query = `?limit=${PAGE}${this.cursor ? `&cursor=${encodeURIComponent(this.cursor)}` : ''}`;
        const page = await this.json(query);
        for (const item of page.data) this.put(item, false);
        this.cursor = page.meta.next_cursor;
        this.hasMore = page.meta.has_next;
        if (!this.countKnown) this.setCount(await this.json('/count').then((r) => r.data));
      } catch (err) {
        this.hasMore = false;
        this.dispatchEvent(new CustomEvent('notify-inbox:error', { detail: err }));
      } finally {
        this.loading = false;
        this.renderTail();
      }
    }

    put(item, onTop) {
      this.lastEventId = Math.max(this.lastEventId, item.sequence);
      const known = this.items.get(item.id);
      const row = known ? known.row : document.createElement('li');
      this.items.set(item.id, { item, row });
      this.renderItem(row, item);
      if (item.archived_at) return this.drop(item.id);
      if (!known) {
        if (onTop) this.$list.prepend(row);
        else this.$list.insertBefore(row, this.$list.querySelector('.more, .empty'));
        // the first item replaces "No notifications"
        this.$list.querySelector('.empty')?.remove();
      }
    }

    drop(id) {
      this.items.get(id)?.row.remove();
      this.items.delete(id);
      this.renderTail();
    }

    renderItem(row, item) {
      row.className = `item${item.read_at ? '' : ' unread'}`;
      row.dataset.id = item.id;
      row.setAttribute('part', 'item');
      const dot = Object.assign(document.createElement('span'), { className: 'dot' });
      const text = Object.assign(document.createElement('div'), { className: 'text' });
      text.append(
        Object.assign(document.createElement('div'), { className: 'title', textContent: item.title }),
        Object.assign(document.createElement('div'), { className: 'body', textContent: item.body }),
        Object.assign(document.createElement('div'), { className: 'time', textContent: timeOf(item.created_at) }),
      );
      const archive = Object.assign(document.createElement('button'), {
        className: 'archive',
        type: 'button',
        textContent: '×',
        title: 'Archive',
      });
      archive.setAttribute('aria-label', 'Archive');
      archive.addEventListener('click', (event) => {
        event.stopPropagation();
        this.mark(item.id, 'archive');
      });
      const parts = [dot];
      if (item.avatar_url)
        parts.push(Object.assign(document.createElement('img'), { className: 'avatar', src: item.avatar_url, alt: '' }));
      row.replaceChildren(...parts, text, archive);
      row.onclick = () => this.open(item.id);
    }

    renderTail() {
      this.$list.querySelector('.more, .empty')?.remove();
      const tail = document.createElement('li');
      if (this.hasMore) {
        tail.className = 'more';
        tail.textContent = 'Loading…';
        this.observer ??= new IntersectionObserver((entries) => {
          if (entries.some((e) => e.isIntersecting)) this.loadPage();
        });
        this.observer.disconnect();
        this.observer.observe(tail);
      } else if (this.items.size === 0) {
        tail.className = 'empty';
        tail.textContent = 'No notifications';
      } else return;
      this.$list.append(tail);
    }

    setCount(count) {
      this.count = count;
      this.countKnown = true;
      this.$badge.hidden = count.unread === 0;
      this.$badge.textContent = count.unread > 99 ? '99+' : String(count.unread);
      this.$bell.setAttribute('aria-label', `Notifications, ${count.unread} unread`);
      this.dispatchEvent(new CustomEvent('notify-inbox:count', { detail: count }));
    }

    // ---- the user's marks --------------------------------------------------

    async mark(id, what) {
      const res = await this.json(`/${id}/${what}`, { method: 'POST' });
      this.put(res.data, false);
      this.setCount(await this.json('/count').then((r) => r.data));
    }

    async open(id) {
      const entry = this.items.get(id);
      if (!entry) return;
      if (!entry.item.read_at) await this.mark(id, 'read');
      const click = new CustomEvent('notify-inbox:click', { detail: entry.item, cancelable: true });
      if (this.dispatchEvent(click) && entry.item.action_url) window.location.assign(entry.item.action_url);
    }

    async readAll() {
      const res = await this.json('/read-all', { method: 'POST' });
      const at = new Date().toISOString();
      for (const { item, row } of this.items.values()) if (!item.read_at) this.renderItem(row, { ...item, read_at: at });
      for (const entry of this.items.values()) entry.item.read_at ??= at;
      this.setCount(res.data.count);
    }

    toggle(open = this.$panel.hidden) {
      this.$panel.hidden = !open;
      this.$bell.setAttribute('aria-expanded', String(open));
      if (open && this.count.unseen > 0)
        this.json('/seen', { method: 'POST' }).then(
          (r) => this.setCount(r.data.count),
          () => undefined,
        );
    }

    // ---- live: the stream, or polling --------------------------------------

    async follow() {
      let opened = false;
      try {
        this.abort = new AbortController();
        const res = await this.call('/stream', {
          // always sent, 0 included: what arrived between the first page and this stream is replayed, not lost
          headers: { accept: 'text/event-stream', 'last-event-id': String(this.lastEventId) },
          signal: this.abort.signal,
        });
        if (!res.ok || !(res.headers.get('content-type') || '').startsWith('text/event-stream'))
          throw new Error(`stream: ${res.status}`);
        opened = true;
        this.failures = 0;
        this.dataset.state = 'live';
        await readEvents(res.body, (event) => this.onEvent(event));
      } catch {
        if (!this.alive) return;
      }
      if (!this.alive) return;
      this.dataset.state = 'connecting';
      this.failures = opened ? 0 : (this.failures || 0) + 1;
      // a gateway that never serves the stream (Lambda): poll the count instead
      if (this.failures >= 2) return this.poll();
      this.timer = setTimeout(() => this.follow(), 1000 * 2 ** Math.min(this.failures, 5));
    }

    onEvent({ event, data }) {
      if (event === 'notification') this.put(JSON.parse(data), true);
      else if (event === 'count') this.setCount(JSON.parse(data));
    }

    async poll() {
      if (!this.alive) return;
      this.dataset.state = 'polling';
      try {
        const { data } = await this.json('/count');
        if (data.total !== this.count.total || data.unread !== this.count.unread) {
          const newest = await this.json(`?limit=${PAGE}`);
          for (const item of newest.data.slice().reverse()) if (!this.items.has(item.id)) this.put(item, true);
        }
        this.setCount(data);
      } catch {
        // the next round tries again
      }
      const every = Number(this.getAttribute('poll-interval')) || 15_000;
      this.timer = setTimeout(() => this.poll(), every);
    }
  }

  /** Parses a text/event-stream body, calling `onEvent({ event, id, data })` per event. */
  async function readEvents(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const event = { event: 'message', data: [] };
        for (const line of block.split('\n')) {
          if (!line || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') event.data.push(value);
          else if (field === 'event' || field === 'id') event[field] = value;
        }
        if (event.data.length > 0) onEvent({ ...event, data: event.data.join('\n') });
      }
    }
  }

  function timeOf(iso) {
    const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    if (seconds < 60) return rtf.format(-seconds, 'second');
    if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), 'minute');
    if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), 'hour');
    return new Date(iso).toLocaleDateString();
  }

  customElements.define('notify-inbox', NotifyInbox);
})();
