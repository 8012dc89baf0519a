// The gateway's page: plain JavaScript over the v1 API (fetch for requests, EventSource for frames).
'use strict';

const $ = (id) => document.getElementById(id);

// What the page has seen, for people debugging and for the browser test.
window.ncsn = { events: [], job: null, model: null };

// ---- API key (kept in this browser only) ----
let apiKey = localStorage.getItem('ncsn.apiKey') || '';
$('api-key').value = apiKey;
$('save-key').addEventListener('click', () => {
  apiKey = $('api-key').value.trim();
  localStorage.setItem('ncsn.apiKey', apiKey);
  refreshModels();
  refreshJobs();
});

// The key goes in a header only. An EventSource and a download link cannot set headers: they use the job's links,
// which carry a short-lived token for that job's stream and result when the gateway has keys.
function withParam(url, param) {
  return url + (url.includes('?') ? '&' : '?') + param;
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (apiKey) headers['X-API-Key'] = apiKey;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (!response.ok) {
    let detail = response.status + ' ' + response.statusText;
    try {
      const problem = await response.json();
      detail = problem.title + ': ' + problem.detail;
      if (problem.errors) detail += '\n• ' + problem.errors.join('\n• ');
      if (response.status === 429 && response.headers.get('Retry-After')) {
        detail += ' (retry in ' + response.headers.get('Retry-After') + ' s)';
      }
    } catch (e) { /* not a problem document */ }
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.blob();
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

// ---- the live model ----
async function refreshModels() {
  try {
    const list = await api('/v1/models');
    const model = list.models.find((m) => m.model === list.defaultModel) || list.models[0];
    window.ncsn.model = model;
    const live = model && model.versions.find((v) => v.live);
    $('model-version').textContent = model
      ? model.model + ' · ' + (model.liveVersion || 'no live version yet')
      : 'none';
    if (live) {
      // T, ε and the final step start as the live version samples by default (NCSN: 100, 4e-5, off; NCSNv2: 5, its
      // schedule's ε, on); a choice made on the page stands until another version goes live
      if (window.ncsn.defaultsFor !== live.version) {
        window.ncsn.defaultsFor = live.version;
        $('finalDenoise').checked = live.finalDenoise === true;
        if (live.stepsPerLevel) $('stepsPerLevel').value = String(live.stepsPerLevel);
        if (live.stepSize) $('stepSize').placeholder = Number(live.stepSize).toPrecision(3);
        updateCost();
      }
      const loss = Object.entries(live.metrics || {}).map(([k, v]) => k + ' ' + Number(v).toPrecision(4)).join(', ');
      $('model-version').title = 'step ' + live.trainingStep + (loss ? ' · ' + loss : '')
        + ' · ' + live.width + '×' + live.height + '×' + live.channels;
      setCanvasSize(live.width, live.height);
    }
  } catch (e) {
    $('model-version').textContent = e.status === 401 ? 'API key needed' : 'unavailable';
  }
}

// ---- submitting ----
function parameters() {
  const body = { count: Number($('count').value) };
  for (const name of ['seed', 'stepsPerLevel', 'frameEvery']) {
    const v = $(name).value.trim();
    if (v !== '') body[name] = Number(v);
  }
  const eps = $('stepSize').value.trim();
  if (eps !== '') body.stepSize = Number(eps);
  if ($('denoisedPreview').checked) body.denoisedPreview = true;
  body.finalDenoise = $('finalDenoise').checked; // always said: the model's default is what the box showed
  body.sampler = $('sampler').value;
  const options = samplerOptions();
  if (Object.keys(options).length) body.samplerOptions = options;
  return body;
}

// ---- samplers: the choice, its options, and the network evaluations it costs ----
let samplerList = [];

async function loadSamplers() {
  try {
    samplerList = await api('/v1/samplers');
    $('sampler').replaceChildren(...samplerList.map((s) => {
      const o = document.createElement('option');
      o.value = s.name;
      o.textContent = s.name;
      o.title = s.summary;
      return o;
    }));
    renderSamplerOptions();
  } catch (e) {
    // the default sampler stays selectable
  }
}

function renderSamplerOptions() {
  const chosen = samplerList.find((s) => s.name === $('sampler').value);
  const box = $('sampler-options');
  box.replaceChildren();
  for (const o of (chosen ? chosen.options : [])) {
    const label = document.createElement('label');
    label.title = o.description;
    const input = document.createElement('input');
    input.dataset.option = o.name;
    input.dataset.type = o.type;
    if (o.type === 'boolean') {
      label.className = 'check';
      input.type = 'checkbox';
      input.checked = o.defaultValue === true;
      label.append(input, ' ' + o.name);
    } else {
      input.type = 'number';
      input.step = o.type === 'integer' ? '1' : 'any';
      input.min = o.min;
      input.max = o.max;
      input.value = o.defaultValue;
      label.append(o.name + ' ', input);
    }
    input.addEventListener('input', updateCost);
    box.append(label);
  }
  updateCost();
}

function samplerOptions() {
  const options = {};
  for (const input of $('sampler-options').querySelectorAll('input')) {
    if (input.dataset.type === 'boolean') options[input.dataset.option] = input.checked;
    else if (input.value.trim() !== '') options[input.dataset.option] = Number(input.value);
  }
  return options;
}

async function updateCost() {
  const q = new URLSearchParams({ sampler: $('sampler').value, samplerOptions: JSON.stringify(samplerOptions()) });
  const steps = $('stepsPerLevel').value.trim();
  if (steps !== '') q.set('stepsPerLevel', steps);
  const eps = $('stepSize').value.trim();
  if (eps !== '') q.set('stepSize', eps);
  q.set('finalDenoise', String($('finalDenoise').checked));
  if (window.ncsn.model) q.set('model', window.ncsn.model.model); // priced on its live version's levels
  try {
    const cost = await api('/v1/samplers/cost?' + q);
    $('cost').textContent = cost.networkEvaluations + ' network evaluations per image (' + cost.levels
      + ' noise levels)';
    // a designed model's ε follows T (Technique 4): show the one this T gets
    if (eps === '' && cost.stepSize) $('stepSize').placeholder = Number(cost.stepSize).toPrecision(3);
  } catch (e) {
    $('cost').textContent = e.message;
  }
}

$('sampler').addEventListener('change', renderSamplerOptions);
for (const id of ['stepsPerLevel', 'stepSize', 'finalDenoise']) $(id).addEventListener('input', updateCost);

async function submit(path, body, button) {
  showError('');
  button.disabled = true;
  try {
    const job = await api(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    watch(job.id, job.links);
    refreshJobs();
  } catch (e) {
    showError(e.message);
  } finally {
    button.disabled = false;
  }
}

$('generate').addEventListener('click', () => submit('/v1/generations', parameters(), $('generate')));
$('inpaint').addEventListener('click', () => {
  const body = parameters();
  body.image = imageCanvas.toDataURL('image/png');
  body.mask = maskCanvas.toDataURL('image/png');
  submit('/v1/inpaintings', body, $('inpaint'));
});

// ---- watching a job ----
let source = null;

function resetViewer(jobId) {
  $('job-id').textContent = jobId;
  setStatus('queued');
  $('level').textContent = 'level –/10';
  $('step').textContent = 'step –';
  $('sigma').textContent = 'σ –';
  $('frame-version').textContent = 'version –';
  $('progress').value = 0;
  $('live').removeAttribute('src');
  $('denoised').removeAttribute('src');
  $('denoised-figure').hidden = true;
  $('levels').innerHTML = '';
  $('result-actions').hidden = false;
  $('download').hidden = true;
  $('cancel').hidden = false;
}

function setStatus(status) {
  $('job-status').textContent = status;
  $('job-status').className = 'status ' + status;
}

async function watch(jobId, links) {
  if (source) source.close();
  source = null;
  window.ncsn.job = jobId;
  window.ncsn.events = [];
  resetViewer(jobId);
  if (!links) {
    try {
      links = (await api('/v1/jobs/' + encodeURIComponent(jobId))).links;
    } catch (e) {
      showError(e.message);
      return;
    }
  }
  if (window.ncsn.job !== jobId) return;
  const token = new URL(links.frames, location.href).searchParams.get('token');
  source = new EventSource(links.frames);
  const mine = source;
  source.addEventListener('started', (e) => {
    const s = JSON.parse(e.data);
    window.ncsn.events.push({ type: 'started', id: Number(e.lastEventId) });
    setStatus('running');
    $('frame-version').textContent = 'version ' + s.modelVersion;
  });
  source.addEventListener('restarted', (e) => {
    // Another worker continued the job, but its snapshot's model version is gone: it starts again from step 0.
    const r = JSON.parse(e.data);
    window.ncsn.events.push({ type: 'restarted', id: Number(e.lastEventId) });
    setStatus('running');
    $('frame-version').textContent = 'version ' + r.modelVersion + ' (restarted: ' + r.previousVersion
      + ' is gone from the store)';
    $('progress').value = 0;
  });
  source.addEventListener('frame', (e) => {
    const f = JSON.parse(e.data);
    window.ncsn.events.push({ type: 'frame', id: Number(e.lastEventId), level: f.level, step: f.step });
    setStatus('running');
    $('level').textContent = 'level ' + f.level + '/' + f.levels;
    $('step').textContent = 'step ' + f.step + '/' + f.stepsPerLevel;
    $('sigma').textContent = 'σ = ' + f.sigma.toPrecision(4);
    $('frame-version').textContent = 'version ' + f.modelVersion;
    $('progress').value = f.totalSteps ? f.completedSteps / f.totalSteps : 0;
    $('live').src = f.image;
    if (f.denoised) {
      $('denoised').src = f.denoised;
      $('denoised-figure').hidden = false;
    }
    levelThumbnail(f.level, f.image);
  });
  source.addEventListener('done', (e) => {
    const d = JSON.parse(e.data);
    window.ncsn.events.push({ type: 'done', id: Number(e.lastEventId) });
    mine.close();
    setStatus('done');
    $('progress').value = 1;
    $('live').src = d.image;
    $('frame-version').textContent = 'version ' + d.modelVersion;
    // The result opens with the same token as the stream.
    const href = token ? withParam(d.result, 'token=' + encodeURIComponent(token)) : d.result;
    $('download').href = withParam(href, 'download=true');
    $('download').hidden = false;
    $('cancel').hidden = true;
    refreshJobs();
  });
  source.addEventListener('failed', (e) => {
    const d = JSON.parse(e.data);
    window.ncsn.events.push({ type: 'failed', id: Number(e.lastEventId) });
    mine.close();
    setStatus('failed');
    showError('Job failed: ' + d.reason);
    $('cancel').hidden = true;
    refreshJobs();
  });
  source.addEventListener('cancelled', (e) => {
    window.ncsn.events.push({ type: 'cancelled', id: Number(e.lastEventId) });
    mine.close();
    setStatus('cancelled');
    $('cancel').hidden = true;
    refreshJobs();
  });
  // On a dropped connection the browser reconnects by itself, sending Last-Event-ID: the stream resumes.
}

function levelThumbnail(level, image) {
  let fig = document.getElementById('level-' + level);
  if (!fig) {
    fig = document.createElement('figure');
    fig.id = 'level-' + level;
    fig.innerHTML = '<img alt=""><figcaption>level ' + level + '</figcaption>';
    $('levels').appendChild(fig);
  }
  fig.querySelector('img').src = image;
}

async function cancel(jobId) {
  try {
    await api('/v1/jobs/' + encodeURIComponent(jobId), { method: 'DELETE' });
  } catch (e) {
    showError(e.message);
  }
  refreshJobs();
}

$('cancel').addEventListener('click', () => window.ncsn.job && cancel(window.ncsn.job));

// ---- recent jobs ----
async function refreshJobs() {
  let list;
  try {
    list = await api('/v1/jobs?limit=15');
  } catch (e) {
    return;
  }
  const rows = list.jobs.map((j) => {
    const tr = document.createElement('tr');
    tr.dataset.job = j.id;
    const progress = j.status === 'queued' && j.queuePosition
      ? 'queue #' + j.queuePosition
      : (j.progress != null ? Math.round(j.progress * 100) + '%' : '');
    const cells = [j.id.slice(0, 8), j.kind || '', '', progress, j.modelVersion || '',
      j.submittedAt ? new Date(j.submittedAt).toLocaleTimeString() : ''];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      if (i === 2) {
        const s = document.createElement('span');
        s.className = 'status ' + j.status;
        s.textContent = j.status;
        td.appendChild(s);
      } else {
        td.textContent = text;
      }
      if (i === 0) td.className = 'mono';
      tr.appendChild(td);
    });
    const actions = document.createElement('td');
    const watchButton = document.createElement('button');
    watchButton.textContent = 'Watch';
    watchButton.addEventListener('click', () => watch(j.id, j.links));
    actions.appendChild(watchButton);
    if (j.status === 'queued' || j.status === 'running') {
      const c = document.createElement('button');
      c.textContent = 'Cancel';
      c.className = 'cancel';
      c.addEventListener('click', () => cancel(j.id));
      actions.appendChild(c);
    }
    if (j.status === 'done') {
      const a = document.createElement('a');
      a.textContent = 'PNG';
      a.href = withParam(j.links.result, 'download=true');
      a.setAttribute('download', '');
      actions.appendChild(document.createTextNode(' '));
      actions.appendChild(a);
    }
    tr.appendChild(actions);
    return tr;
  });
  $('jobs').replaceChildren(...rows);
}

// ---- tabs ----
for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) {
      t.classList.toggle('active', t === tab);
      $(t.dataset.panel).hidden = t !== tab;
    }
  });
}

// ---- inpainting: the image and the mask at the model's size, drawn scaled up ----
const view = $('inpaint-canvas');
const viewContext = view.getContext('2d');
const imageCanvas = document.createElement('canvas');
const maskCanvas = document.createElement('canvas');
setCanvasSize(28, 28);

function setCanvasSize(width, height) {
  if (imageCanvas.width === width && imageCanvas.height === height && imageCanvas.dataset.ready) return;
  imageCanvas.width = width;
  imageCanvas.height = height;
  imageCanvas.dataset.ready = '1';
  maskCanvas.width = width;
  maskCanvas.height = height;
  testPattern();
  clearMask();
}

function clearMask() {
  const m = maskCanvas.getContext('2d');
  m.fillStyle = '#000';
  m.fillRect(0, 0, maskCanvas.width, maskCanvas.height);
  render();
}

function invertMask() {
  const m = maskCanvas.getContext('2d');
  const data = m.getImageData(0, 0, maskCanvas.width, maskCanvas.height);
  for (let i = 0; i < data.data.length; i += 4) {
    const v = data.data[i] >= 128 ? 0 : 255;
    data.data[i] = data.data[i + 1] = data.data[i + 2] = v;
    data.data[i + 3] = 255;
  }
  m.putImageData(data, 0, 0);
  render();
}

function testPattern() {
  const c = imageCanvas.getContext('2d');
  const w = imageCanvas.width;
  const h = imageCanvas.height;
  c.fillStyle = '#000';
  c.fillRect(0, 0, w, h);
  c.fillStyle = '#ccc';
  c.fillRect(Math.round(w * 0.25), Math.round(h * 0.15), Math.round(w * 0.5), Math.round(h * 0.7));
  c.fillStyle = '#555';
  c.fillRect(Math.round(w * 0.4), Math.round(h * 0.3), Math.round(w * 0.2), Math.round(h * 0.4));
  render();
}

function drawImageSource(img) {
  const c = imageCanvas.getContext('2d');
  c.fillStyle = '#000';
  c.fillRect(0, 0, imageCanvas.width, imageCanvas.height);
  c.imageSmoothingEnabled = true;
  c.drawImage(img, 0, 0, imageCanvas.width, imageCanvas.height);
  render();
}

function render() {
  viewContext.imageSmoothingEnabled = false;
  viewContext.clearRect(0, 0, view.width, view.height);
  viewContext.drawImage(imageCanvas, 0, 0, view.width, view.height);
  // The mask as a red overlay where it is white.
  const overlay = document.createElement('canvas');
  overlay.width = maskCanvas.width;
  overlay.height = maskCanvas.height;
  const o = overlay.getContext('2d');
  const data = maskCanvas.getContext('2d').getImageData(0, 0, maskCanvas.width, maskCanvas.height);
  for (let i = 0; i < data.data.length; i += 4) {
    const on = data.data[i] >= 128;
    data.data[i] = 255;
    data.data[i + 1] = 40;
    data.data[i + 2] = 40;
    data.data[i + 3] = on ? 150 : 0;
  }
  o.putImageData(data, 0, 0);
  viewContext.drawImage(overlay, 0, 0, view.width, view.height);
}

let painting = false;
let lastPoint = null;
function paint(event) {
  const rect = view.getBoundingClientRect();
  const point = {
    x: ((event.clientX - rect.left) / rect.width) * maskCanvas.width,
    y: ((event.clientY - rect.top) / rect.height) * maskCanvas.height,
  };
  const m = maskCanvas.getContext('2d');
  const from = lastPoint || point;
  // A round-capped line from the previous point, so that a fast stroke leaves no gaps.
  m.strokeStyle = '#fff';
  m.lineCap = 'round';
  m.lineJoin = 'round';
  m.lineWidth = Number($('brush').value);
  m.beginPath();
  m.moveTo(from.x, from.y);
  m.lineTo(point.x + 0.01, point.y);
  m.stroke();
  lastPoint = point;
  render();
}
view.addEventListener('pointerdown', (e) => {
  painting = true;
  lastPoint = null;
  view.setPointerCapture(e.pointerId);
  paint(e);
});
view.addEventListener('pointermove', (e) => { if (painting) paint(e); });
view.addEventListener('pointerup', () => { painting = false; lastPoint = null; });
view.addEventListener('pointercancel', () => { painting = false; lastPoint = null; });
$('clear-mask').addEventListener('click', clearMask);
$('invert-mask').addEventListener('click', invertMask);
$('use-pattern').addEventListener('click', testPattern);
$('inpaint-file').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  try {
    drawImageSource(await createImageBitmap(file));
  } catch (err) {
    showError('Cannot read that image: ' + err.message);
  }
});
$('use-result').addEventListener('click', async () => {
  if (!window.ncsn.job) return showError('No job shown yet.');
  try {
    const blob = await api('/v1/jobs/' + encodeURIComponent(window.ncsn.job) + '/result.png?sample=0');
    drawImageSource(await createImageBitmap(blob));
  } catch (e) {
    showError(e.message);
  }
});

// ---- start ----
loadSamplers();
refreshModels();
refreshJobs();
setInterval(refreshModels, 15000);
setInterval(refreshJobs, 2000);
