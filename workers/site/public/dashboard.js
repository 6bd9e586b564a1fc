// The live dashboard: a snapshot of the trends over server-sent events, drawn with the DOM API
// (every string as text) and Chart.js, served by the site itself.
const breedLabel = (slug) => slug.replaceAll('-', ' ');
const TIPO_LABEL = { cachorro: 'Cachorro', gato: 'Gato' };
const LOOP_STATE = {
  running: 'Rodando',
  paused: 'Pausado',
  'not running': 'Parado',
  unknown: 'Desconhecido',
};

function element(tag, properties = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

const time = (iso) => new Date(iso).toLocaleTimeString('pt-BR', { timeZone: 'UTC', hour12: false });
const views = (count) => (count === 1 ? '1 visualização' : `${count} visualizações`);
const hour = (peak) =>
  peak ? `${peak.hourStart.slice(0, 13).replace('T', ' ')}:00 UTC · ${views(peak.views)}` : 'ainda nenhuma';

let chart;
function drawChart(series) {
  document.getElementById('chart-empty').hidden = series.some((point) => point.views > 0);
  const labels = series.map((point) => time(point.bucketStart));
  const data = series.map((point) => point.views);
  if (!chart) {
    chart = new Chart(document.getElementById('chart'), {
      type: 'bar',
      data: { labels, datasets: [{ label: 'visualizações', data, backgroundColor: '#2f7d6d' }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { ticks: { maxTicksLimit: 12, maxRotation: 0 }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    return;
  }
  chart.data.labels = labels;
  chart.data.datasets[0].data = data;
  chart.update();
}

function topItem(photo, name, detail, count, nameClass = 'name') {
  return element(
    'li',
    { className: 'top-animal' },
    photo
      ? element('img', { src: photo, alt: name, width: 64, height: 64 })
      : element('span', { className: 'no-photo', textContent: '?' }),
    element('span', { className: nameClass, textContent: name }),
    element('span', { className: 'muted', textContent: detail }),
    element('span', { className: 'views', textContent: String(count) }),
  );
}

function drawTop(snapshot) {
  document.getElementById('window').textContent =
    `${time(snapshot.window.start)}–${time(snapshot.window.end)} UTC · ${views(snapshot.viewsInWindow)}`;
  document.getElementById('top-animals').replaceChildren(
    ...snapshot.topAnimals.map((animal) =>
      // Its image name as stored (`maine-coon_01`): not capitalised like a breed.
      topItem(animal.photo, animal.nome, breedLabel(animal.raca), animal.views, 'name image-name'),
    ),
  );
  document
    .getElementById('top-breeds')
    .replaceChildren(
      ...snapshot.topBreeds.map((breed) =>
        topItem(breed.photo, breedLabel(breed.raca), TIPO_LABEL[breed.tipo] ?? breed.tipo, breed.views),
      ),
    );
  const unknown = document.getElementById('unknown-animals');
  unknown.hidden = snapshot.unknownAnimals.views === 0;
  unknown.textContent = `${views(snapshot.unknownAnimals.views)} de animais fora do catálogo (ids ${snapshot.unknownAnimals.ids.join(', ')}), contadas na raça.`;
  document.getElementById('top-empty').hidden = snapshot.topBreeds.length > 0;
}

function drawFreshness({ freshness, lateClicks }) {
  const stale = document.getElementById('stale');
  const age = freshness.ageSeconds;
  document.getElementById('freshness').textContent = age === null ? 'sem cliques' : `${Math.round(age)} s`;
  document.getElementById('freshness-detail').textContent = freshness.newestEventAt
    ? `clique mais novo contado às ${time(freshness.newestEventAt)} UTC`
    : 'nenhum clique contado ainda';
  document.getElementById('late-clicks').textContent =
    lateClicks.lastHour === 0
      ? 'Nenhum clique atrasado na última hora.'
      : `${lateClicks.lastHour} ${lateClicks.lastHour === 1 ? 'clique atrasado' : 'cliques atrasados'} na última hora (o maior atraso: ${Math.round(lateClicks.longestLatenessSeconds)} s), contados no seu horário.`;
  stale.hidden = !freshness.stale;
  stale.textContent = freshness.stale
    ? `STALE: nenhum clique contado há mais de ${freshness.staleAfterSeconds} s. O job Spark está rodando? Há cliques chegando?`
    : '';
  document.body.classList.toggle('is-stale', freshness.stale);
}

function drawImageLoop({ imageLoop, links }) {
  const state = LOOP_STATE[imageLoop.state] ?? imageLoop.state;
  document.getElementById('loop-state').textContent = imageLoop.detail
    ? `${state} (${imageLoop.detail})`
    : state;
  const totals = document.getElementById('loop-totals');
  const status = imageLoop.status;
  totals.replaceChildren(
    ...(status
      ? [
          ['Ciclos', status.cyclesStarted],
          ['Guardadas', status.totals.stored],
          ['Duplicadas', status.totals.duplicates],
          ['Recusadas', status.totals.rejected],
          ['Próximo ciclo', status.nextTickAt ? `${time(status.nextTickAt)} UTC` : 'pausado'],
        ].flatMap(([label, value]) => [
          element('dt', { textContent: label }),
          element('dd', { textContent: String(value) }),
        ])
      : []),
  );
  const rejections = imageLoop.latestRejections ?? [];
  document
    .getElementById('rejections')
    .replaceChildren(
      ...rejections.map((rejection) =>
        element(
          'li',
          {},
          element('code', { textContent: rejection.type }),
          ' ',
          element('span', { textContent: rejection.reason }),
        ),
      ),
    );
  document.getElementById('rejections-empty').hidden = rejections.length > 0;
  document
    .getElementById('workflows')
    .replaceChildren(
      ...Object.entries(links.workflows).map(([workflowId, url]) =>
        element('li', {}, element('a', { href: url, textContent: workflowId, rel: 'noopener' })),
      ),
    );
}

function draw(snapshot) {
  drawTop(snapshot);
  drawFreshness(snapshot);
  document.getElementById('peak-today').textContent = hour(snapshot.peakHourToday);
  document.getElementById('peak-overall').textContent = hour(snapshot.peakHourOverall);
  drawChart(snapshot.viewsPer10s);
  drawImageLoop(snapshot);
  document.body.dataset.generatedAt = snapshot.generatedAt;
}

const connection = document.getElementById('connection');
const events = new EventSource('/api/tendencias/stream');
events.addEventListener('snapshot', (message) => {
  draw(JSON.parse(message.data));
  connection.textContent = `Atualizado às ${time(new Date().toISOString())} UTC`;
});
events.addEventListener('failure', (message) => {
  connection.textContent = `As tabelas de tendências não responderam: ${JSON.parse(message.data).error}`;
});
events.addEventListener('error', () => {
  connection.textContent = 'Sem conexão com o site: tentando de novo…';
});
