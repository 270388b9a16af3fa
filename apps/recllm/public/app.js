// The vfm-recllm page: plain ES module, no build step. Talks to the same server's /api.
const $ = (id) => document.getElementById(id);
const KEY = 'vfm-recllm.session';
let sessionId = localStorage.getItem(KEY);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function status(text) {
  $('status').textContent = text;
}

async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.statusText), { status: res.status });
  return body;
}

function addMessage(role, text) {
  const li = el('li', { class: role }, text);
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
  return li;
}

function renderProfile(p) {
  $('profile-summary').textContent = p.summary || '(nothing yet)';
  $('profile-likes').replaceChildren(...p.likes.map((x) => el('li', {}, x)));
  $('profile-dislikes').replaceChildren(...p.dislikes.map((x) => el('li', {}, x)));
}

function renderCards(recs) {
  $('cards').replaceChildren(
    ...recs.map((r) => {
      const img = r.item.thumbnail
        ? el('img', { src: r.item.thumbnail, alt: `thumbnail of ${r.item.title}`, loading: 'lazy' })
        : el('div', { class: 'noimg', role: 'img', 'aria-label': 'no thumbnail' });
      if (r.item.preview && r.item.thumbnail) {
        img.addEventListener('mouseenter', () => (img.src = r.item.preview));
        img.addEventListener('mouseleave', () => (img.src = r.item.thumbnail));
      }
      const like = el('button', { type: 'button', class: 'like', 'aria-pressed': 'false' }, 'Like');
      const dislike = el('button', { type: 'button', class: 'dislike', 'aria-pressed': 'false' }, 'Dislike');
      const vote = (kind, button) => async () => {
        try {
          const profile = await api(`/api/sessions/${sessionId}/feedback`, {
            method: 'POST',
            body: JSON.stringify({ itemId: r.id, kind }),
          });
          button.setAttribute('aria-pressed', 'true');
          renderProfile(profile);
        } catch (e) {
          status(`feedback failed: ${e.message}`);
        }
      };
      like.addEventListener('click', vote('like', like));
      dislike.addEventListener('click', vote('dislike', dislike));
      return el(
        'article',
        { class: 'card', 'data-item': r.id },
        img,
        el('div', { class: 'title' }, r.item.title),
        el('div', { class: 'channel' }, r.item.channel),
        el('div', { class: 'reason' }, r.explanation),
        el('div', { class: 'actions' }, like, dislike),
      );
    }),
  );
}

async function newSession() {
  let userId = localStorage.getItem('vfm-recllm.user');
  if (!userId) {
    userId = `web-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem('vfm-recllm.user', userId);
  }
  const s = await api('/api/sessions', { method: 'POST', body: JSON.stringify({ userId }) });
  sessionId = s.sessionId;
  localStorage.setItem(KEY, sessionId);
  $('messages').replaceChildren();
  renderCards([]);
  renderProfile(s.profile);
  status(`session ${sessionId.slice(0, 8)}`);
}

async function restore() {
  if (!sessionId) return newSession();
  try {
    const s = await api(`/api/sessions/${sessionId}`);
    if (s.ended) return newSession();
    $('messages').replaceChildren();
    let last = [];
    for (const t of s.turns) {
      addMessage(t.role, t.text);
      if (t.recommendations?.length) last = t.recommendations;
    }
    renderCards(last);
    renderProfile(s.profile);
    status(`session ${sessionId.slice(0, 8)} restored`);
  } catch (e) {
    if (e.status === 404) return newSession();
    throw e;
  }
}

/** Sends a message and reads the SSE reply: `action` events show progress, `reply` the answer. */
async function send(text) {
  addMessage('user', text);
  const progress = addMessage('progress', 'thinking…');
  const res = await fetch(`/api/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ text }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    progress.remove();
    addMessage('assistant', `error: ${body.error?.message ?? res.status}`);
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let cut = buf.indexOf('\n\n');
    while (cut >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      cut = buf.indexOf('\n\n');
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}');
      if (event === 'action')
        progress.textContent = data.type === 'retrieve' ? `searching: ${data.query}` : `${data.type}…`;
      else if (event === 'reply') {
        progress.remove();
        addMessage('assistant', data.text);
        if (data.recommendations.length) renderCards(data.recommendations);
      } else if (event === 'error') {
        progress.remove();
        addMessage('assistant', `error: ${data.message}`);
      }
    }
  }
}

$('composer').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = $('text').value.trim();
  if (!text) return;
  $('text').value = '';
  $('text').disabled = true;
  try {
    await send(text);
  } finally {
    $('text').disabled = false;
    $('text').focus();
  }
});
$('new-session').addEventListener('click', () => newSession());
restore().catch((e) => status(`error: ${e.message}`));
