// MessageBatcher: what is pushed in one event-loop turn leaves in one message, in order.
import t from 'tap';
import { MessageBatcher } from '../../../server/ingestion/message-batcher.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('messages of one turn travel together, in order; the next turn starts a new message', async (t) => {
  const sent: number[][] = [];
  const batcher = new MessageBatcher<number>((messages) => sent.push(messages));
  batcher.push(1);
  batcher.push(2);
  batcher.push(3);
  t.same(sent, [], 'nothing leaves during the turn');
  await nextTurn();
  t.same(sent, [[1, 2, 3]]);
  batcher.push(4);
  await nextTurn();
  await nextTurn();
  t.same(sent, [[1, 2, 3], [4]], 'one message per turn with something to send, none for empty turns');
});

t.test('flush sends at once (and not again at the end of the turn); clear drops what is queued', async (t) => {
  const sent: string[][] = [];
  const batcher = new MessageBatcher<string>((messages) => sent.push(messages));
  batcher.push('a');
  batcher.flush();
  t.same(sent, [['a']]);
  batcher.flush();
  t.same(sent, [['a']], 'an empty flush sends nothing');
  batcher.push('b');
  batcher.clear();
  await nextTurn();
  t.same(sent, [['a']], 'cleared messages never leave');
  batcher.push('c');
  await nextTurn();
  t.same(sent, [['a'], ['c']], 'usable after a clear');
});
