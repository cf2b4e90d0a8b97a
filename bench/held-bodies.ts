/**
 * Memory under slow bodies: RSS of `infrakit-ts up` (default actors, in a child process) while 300
 * connections, spread over its six sockets, each send headers with `Content-Length: 4194304` and
 * 4 MiB minus one byte of body, then hold; next to its idle RSS before, and its RSS after they close.
 * Counts how many were accepted (whole body written, no answer) and how many refused (503, other
 * status, or closed). Bounded: the holding phase ends within 25 s (before the 30 s request timeout).
 */
import { connect, type Socket } from 'node:net';
import type { BenchResult } from './result.js';
import { sleep, UpChild } from './up-child.js';

const CONNS = 300;
const LIMIT = 4 * 1024 * 1024;
const SOCKETS = ['group', 'simulator', 'file', 'process', 'vanilla', 'combo'];
const HOLD_DEADLINE_MS = 25_000;

type State = 'sending' | 'written' | 'answered' | 'closed';

interface Conn {
  readonly socket: Socket;
  state: State;
  status?: number;
}

export async function run(): Promise<BenchResult[]> {
  const up = await UpChild.start();
  const conns: Conn[] = [];
  try {
    await sleep(1000);
    const idle = await up.settledRss();
    const body = Buffer.alloc(LIMIT - 1, 0x5b); // '[' x (4 MiB - 1): never finished, never parsed
    const head = Buffer.from(`POST / HTTP/1.1\r\nHost: rpc\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT}\r\n\r\n`);
    const t0 = performance.now();
    for (let i = 0; i < CONNS; i++) {
      const socket = connect(up.socket(SOCKETS[i % SOCKETS.length] ?? 'group'));
      const c: Conn = { socket, state: 'sending' };
      conns.push(c);
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => {
        if (c.state === 'closed') return;
        const m = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1', 0, 16));
        c.status = m ? Number(m[1]) : 0;
        c.state = 'answered';
      });
      socket.on('close', () => {
        if (c.state === 'sending' || c.state === 'written') c.state = 'closed';
      });
      socket.write(head);
      socket.write(body, () => {
        if (c.state === 'sending') c.state = 'written';
      });
    }
    // Until every connection has written its body or been refused (or the deadline).
    let peakDuring = 0;
    while (conns.some((c) => c.state === 'sending') && performance.now() - t0 < HOLD_DEADLINE_MS) {
      peakDuring = Math.max(peakDuring, up.memory().rss);
      await sleep(100);
    }
    const settledMs = performance.now() - t0;
    await sleep(1000);
    const held = await up.settledRss(5, 100);
    peakDuring = Math.max(peakDuring, held);
    const count = (s: State): number => conns.filter((c) => c.state === s).length;
    const accepted = count('written');
    const stillSending = count('sending');
    const answered = conns.filter((c) => c.state === 'answered');
    const s503 = answered.filter((c) => c.status === 503).length;
    const otherStatus = answered.length - s503;
    const closed = count('closed');
    const alive = up.alive();

    for (const c of conns) c.socket.destroy();
    // Memory returning: wait (bounded) for RSS to come back near idle, then take the figure.
    const closeDeadline = Date.now() + 10_000;
    while (up.memory().rss > idle * 1.25 && Date.now() < closeDeadline) await sleep(250);
    const after = await up.settledRss();

    const who = `accepted ${accepted}, refused ${s503} by 503, ${otherStatus} by another status, ${closed} closed, ${stillSending} still sending after ${(settledMs / 1000).toFixed(1)} s`;
    return [
      {
        measure: `RSS, ${CONNS} conns each holding a 4 MiB - 1 B body`,
        ours: held,
        baseline: idle,
        unit: 'MiB',
        ratio: held / idle,
        baselineIs: 'the same runtime idle, before',
        note: `${who}; peak sampled ${peakDuring.toFixed(0)} MiB; runtime ${alive ? 'alive' : 'DIED'}; spread over the 6 default sockets`,
      },
      {
        measure: `RSS after the ${CONNS} conns close`,
        ours: after,
        baseline: idle,
        unit: 'MiB',
        ratio: after / idle,
        baselineIs: 'the same runtime idle, before',
        note: 'within 10 s of closing',
      },
      {
        measure: `held bodies accepted of ${CONNS}`,
        ours: accepted,
        baseline: CONNS,
        unit: 'conns',
        ratio: accepted / CONNS,
        baselineIs: 'connections opened',
        note: `${s503 + otherStatus + closed} refused (503 or closed)`,
      },
    ];
  } finally {
    for (const c of conns) c.socket.destroy();
    await up.stop();
  }
}
