// A small promise wrapper over IndexedDB. Nothing but IndexedDB is awaited inside a
// transaction: a transaction closes as soon as it has no pending request.

// The name and store names are what phones already hold: keep them, or outboxes are lost.
const NAME = 'skillpath';
const VERSION = 1;
let opening = null;

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Each version's stores are created only when the phone is older than it, so a
 * version 2 can add its stores without failing on phones that have version 1.
 */
function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore('kv');
    db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('occurred_at', 'occurred_at');
    db.createObjectStore('refused', { keyPath: 'id' });
  }
}

export function openDb() {
  if (!opening) {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    opening = promisify(request);
  }
  return opening;
}

async function run(storeName, mode, work) {
  const db = await openDb();
  const tx = db.transaction(storeName, mode);
  const result = work(tx.objectStore(storeName));
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  const value = result instanceof IDBRequest ? await promisify(result) : result;
  await done;
  return value;
}

export const get = (store, key) => run(store, 'readonly', (s) => s.get(key));
export const put = (store, value, key) => run(store, 'readwrite', (s) => (key === undefined ? s.put(value) : s.put(value, key)));
export const all = (store) => run(store, 'readonly', (s) => s.getAll());
export const count = (store) => run(store, 'readonly', (s) => s.count());
export const removeMany = (store, keys) => run(store, 'readwrite', (s) => { for (const k of keys) s.delete(k); });
export const clear = (store) => run(store, 'readwrite', (s) => s.clear());
