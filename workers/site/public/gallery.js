// The gallery: the catalog's animals, filtered and paged; opening a profile sends a click to the
// collector, the same event the stream counts. Every string from the server goes in as text.
const TIPO_LABEL = { cachorro: 'Cachorro', gato: 'Gato' };
const form = document.getElementById('filters');
const tipo = document.getElementById('tipo');
const raca = document.getElementById('raca');
const list = document.getElementById('animals');
const pager = document.getElementById('pager');
const profile = document.getElementById('profile');
let page = 1;
let pages = 1;

function element(tag, properties = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

const breedLabel = (slug) => slug.replaceAll('-', ' ');

function showProblem(message) {
  const problem = document.getElementById('problem');
  problem.textContent = message;
  problem.hidden = !message;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

async function loadBreeds() {
  const breeds = await getJson('/api/racas');
  const chosen = raca.value;
  raca.replaceChildren(element('option', { value: '', textContent: 'Todas' }));
  for (const breed of breeds) {
    if (tipo.value && breed.tipo !== tipo.value) continue;
    raca.append(
      element('option', {
        value: breed.raca,
        textContent: `${breedLabel(breed.raca)} (${breed.animals})`,
        selected: breed.raca === chosen,
      }),
    );
  }
}

function card(animal) {
  const photo = element('img', {
    src: animal.photo,
    alt: `${animal.nome}, ${breedLabel(animal.raca)}`,
    loading: 'lazy',
    width: 240,
    height: 240,
  });
  const open = element(
    'button',
    { type: 'button', className: 'animal' },
    photo,
    element('span', { className: 'name', textContent: animal.nome }),
    element('span', {
      className: 'breed',
      textContent: `${TIPO_LABEL[animal.tipo] ?? animal.tipo} · ${breedLabel(animal.raca)}`,
    }),
  );
  open.dataset.animalId = String(animal.id);
  open.addEventListener('click', () => openProfile(animal));
  return element('li', {}, open);
}

async function loadAnimals() {
  const query = new URLSearchParams({ page: String(page) });
  if (tipo.value) query.set('tipo', tipo.value);
  if (raca.value) query.set('raca', raca.value);
  history.replaceState(null, '', `?${query}`);
  const result = await getJson(`/api/animais?${query}`);
  pages = result.pages;
  list.replaceChildren(...result.animals.map(card));
  document.getElementById('empty').hidden = result.total > 0;
  document.getElementById('count').textContent = result.total === 1 ? '1 animal' : `${result.total} animais`;
  pager.hidden = pages <= 1;
  document.getElementById('page-label').textContent = `Página ${page} de ${pages}`;
  document.getElementById('previous').disabled = page <= 1;
  document.getElementById('next').disabled = page >= pages;
}

/** Sends the click; a 503 (Kafka down) is retried with the same event id, counted once. */
async function sendClick(animal) {
  const event = {
    event_id: crypto.randomUUID(),
    animal_id: animal.id,
    raca: animal.raca,
    tipo: animal.tipo,
    timestamp: new Date().toISOString(),
  };
  for (let attempt = 1; ; attempt++) {
    const response = await fetch('/v1/clicks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    if (response.status === 202) return event.event_id;
    if (response.status !== 503 || attempt === 3) {
      const answer = await response.json().catch(() => ({}));
      throw new Error(answer.error ?? `the collector answered ${response.status}`);
    }
    const wait = Number(response.headers.get('retry-after') ?? 2);
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 10) * 1000));
  }
}

function openProfile(animal) {
  const photo = document.getElementById('profile-photo');
  photo.src = animal.photo;
  photo.alt = `${animal.nome}, ${breedLabel(animal.raca)}`;
  document.getElementById('profile-name').textContent = animal.nome;
  document.getElementById('profile-raca').textContent = breedLabel(animal.raca);
  document.getElementById('profile-tipo').textContent = TIPO_LABEL[animal.tipo] ?? animal.tipo;
  const state = document.getElementById('profile-click');
  state.textContent = 'Registrando a visita…';
  profile.dataset.animalId = String(animal.id);
  profile.showModal();
  sendClick(animal).then(
    (eventId) => {
      state.textContent = 'Visita registrada.';
      state.dataset.eventId = eventId;
    },
    (error) => {
      state.textContent = `Não foi possível registrar a visita: ${error.message}`;
    },
  );
}

function refresh() {
  loadAnimals().then(
    () => showProblem(''),
    (error) => showProblem(`A galeria não carregou: ${error.message}`),
  );
}

const params = new URLSearchParams(location.search);
tipo.value = params.get('tipo') ?? '';
page = Math.max(1, Number(params.get('page')) || 1);
form.addEventListener('submit', (event) => event.preventDefault());
tipo.addEventListener('change', () => {
  page = 1;
  raca.value = '';
  loadBreeds().catch(() => undefined);
  refresh();
});
raca.addEventListener('change', () => {
  page = 1;
  refresh();
});
document.getElementById('previous').addEventListener('click', () => {
  page = Math.max(1, page - 1);
  refresh();
});
document.getElementById('next').addEventListener('click', () => {
  page = Math.min(pages, page + 1);
  refresh();
});
loadBreeds()
  .then(() => {
    raca.value = params.get('raca') ?? '';
  })
  .catch((error) => showProblem(`As raças não carregaram: ${error.message}`))
  .finally(refresh);
