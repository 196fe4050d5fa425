// The unit queue as the console holds it: read over HTTP, kept in order, merged with live
// updates (core/live.js).
import { QUEUE, gql } from './api.js';
import { set } from './store.js';

// as the server orders it: the deadline band (the due working day), then priority work
// (优先办), then the oldest task
export function ordered(entries) {
  const key = (e) => [e.task.dueOn, e.task.priority ? 0 : 1, Number(e.task.id)];
  return [...entries].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0) || x[1] - y[1] || x[2] - y[2];
  });
}

export async function loadQueue() {
  const data = await gql(`{ ${QUEUE} }`);
  set({ queue: ordered(data.unitQueue) });
}
