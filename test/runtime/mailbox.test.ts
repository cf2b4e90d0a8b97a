/** The one mailbox counter (runtime/mailbox.ts) and the one way to post a reply (runtime/reply.ts). */
import assert from 'node:assert/strict';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Mailbox } from '../../runtime/mailbox.js';
import { postReply } from '../../runtime/reply.js';

describe('runtime: Mailbox and postReply', () => {
  it('Mailbox: tryEnter takes a slot up to the capacity, leave gives it back; every holder of the buffer sees one count', () => {
    const caller = new Mailbox(2);
    const other = new Mailbox(2, caller.buffer);
    const answering = new Mailbox(Number.POSITIVE_INFINITY, caller.buffer);
    assert.equal(caller.tryEnter(), true);
    assert.equal(other.tryEnter(), true);
    assert.equal(caller.tryEnter(), false, 'full: refused, nothing taken');
    assert.equal(answering.depth, 2);
    answering.leave();
    assert.equal(other.depth, 1);
    assert.equal(other.tryEnter(), true);
    assert.equal(caller.depth, 2);
  });

  it('postReply: a value structured clone refuses becomes an error answer with the same head', () => {
    const { port1, port2 } = new MessageChannel();
    postReply(port1, { type: 'reply', id: 7, ok: true, value: { n: 1 } });
    postReply(port1, { type: 'reply', id: 8, ok: true, value: { f: () => 1 } });
    assert.deepEqual(receiveMessageOnPort(port2)?.message, { type: 'reply', id: 7, ok: true, value: { n: 1 } });
    const m = receiveMessageOnPort(port2)?.message as { type: string; id: number; ok: boolean; value?: unknown; error: { name: string } };
    assert.equal(m.type, 'reply');
    assert.equal(m.id, 8);
    assert.equal(m.ok, false);
    assert.equal('value' in m, false);
    assert.equal(m.error.name, 'DataCloneError');
    port1.close();
  });
});
